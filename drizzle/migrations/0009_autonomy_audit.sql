CREATE TABLE "autonomy_audit" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"scope" text NOT NULL,
	"conversation_id" uuid,
	"subject" text NOT NULL,
	"change" jsonb NOT NULL,
	"operator_id" uuid NOT NULL,
	"operator_name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "autonomy_audit_created_idx" ON "autonomy_audit" USING btree ("created_at");