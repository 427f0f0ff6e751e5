ALTER TABLE "conversations" ADD COLUMN "contact_email" text;--> statement-breakpoint
ALTER TABLE "tickets" ADD COLUMN "contact_email" text;