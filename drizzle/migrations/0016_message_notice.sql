ALTER TABLE "messages" ADD COLUMN "notice" text;--> statement-breakpoint
-- Notices written before the column existed are known by their fixed text.
UPDATE "messages" SET "notice" = 'ai_interrupted' WHERE "role" = 'system' AND "content" = 'The assistant''s reply was interrupted. It will answer again shortly.';--> statement-breakpoint
UPDATE "messages" SET "notice" = 'ai_failed' WHERE "role" = 'system' AND "content" = 'Sorry, our assistant could not answer just now. Your message is saved; please try again in a moment.';
