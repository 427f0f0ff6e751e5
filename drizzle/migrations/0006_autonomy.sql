CREATE TABLE "decision_stats" (
	"action" text NOT NULL,
	"context_key" text NOT NULL,
	"approved" integer DEFAULT 0 NOT NULL,
	"rejected" integer DEFAULT 0 NOT NULL,
	"reversed" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "decision_stats_action_context_key_pk" PRIMARY KEY("action","context_key")
);
--> statement-breakpoint
CREATE TABLE "decisions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"conversation_id" uuid NOT NULL,
	"agent" text NOT NULL,
	"action" text NOT NULL,
	"arguments" jsonb NOT NULL,
	"summary" text NOT NULL,
	"reasoning" text NOT NULL,
	"confidence" real,
	"calibrated_confidence" real NOT NULL,
	"context" jsonb NOT NULL,
	"context_key" text NOT NULL,
	"status" text DEFAULT 'proposed' NOT NULL,
	"dedupe_key" text NOT NULL,
	"decided_by" uuid,
	"decided_by_name" text,
	"decided_at" timestamp with time zone,
	"rejection_reason" text,
	"result" jsonb,
	"error" text,
	"expires_at" timestamp with time zone NOT NULL,
	"executed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "refunds" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"decision_id" uuid NOT NULL,
	"payment_id" text NOT NULL,
	"customer_id" uuid NOT NULL,
	"amount_cents" integer NOT NULL,
	"currency" text NOT NULL,
	"reason" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "refunds_decision_id_unique" UNIQUE("decision_id")
);
--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "autonomy_mode" text;--> statement-breakpoint
ALTER TABLE "decisions" ADD CONSTRAINT "decisions_conversation_id_conversations_id_fk" FOREIGN KEY ("conversation_id") REFERENCES "public"."conversations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "refunds" ADD CONSTRAINT "refunds_decision_id_decisions_id_fk" FOREIGN KEY ("decision_id") REFERENCES "public"."decisions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "refunds" ADD CONSTRAINT "refunds_payment_id_payments_id_fk" FOREIGN KEY ("payment_id") REFERENCES "public"."payments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "refunds" ADD CONSTRAINT "refunds_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "decisions_live_effect_idx" ON "decisions" USING btree ("dedupe_key") WHERE "decisions"."status" in ('proposed', 'approved', 'auto_approved', 'executed');--> statement-breakpoint
CREATE INDEX "decisions_status_idx" ON "decisions" USING btree ("status","created_at");--> statement-breakpoint
CREATE INDEX "decisions_conversation_idx" ON "decisions" USING btree ("conversation_id");