ALTER TABLE "conversations" ADD COLUMN "integration_id" uuid;--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "integration_name" text;--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "external_id" text;--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "external_contact" text;--> statement-breakpoint
CREATE UNIQUE INDEX "conversations_external_idx" ON "conversations" USING btree ("integration_id","external_id") WHERE "conversations"."integration_id" is not null and "conversations"."status" <> 'resolved';