CREATE TABLE "conversation_health" (
	"conversation_id" uuid PRIMARY KEY NOT NULL,
	"seq" integer DEFAULT 0 NOT NULL,
	"score" real DEFAULT 1 NOT NULL,
	"reading" jsonb NOT NULL,
	"anomalies" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"waiting_since" timestamp with time zone,
	"closed" boolean DEFAULT false NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "intervention_arms" (
	"intervention" text NOT NULL,
	"context_key" text NOT NULL,
	"alpha" real DEFAULT 1 NOT NULL,
	"beta" real DEFAULT 1 NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"successes" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "intervention_arms_intervention_context_key_pk" PRIMARY KEY("intervention","context_key")
);
--> statement-breakpoint
CREATE TABLE "interventions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"conversation_id" uuid NOT NULL,
	"decision_id" uuid,
	"anomaly" text NOT NULL,
	"episode_seq" integer NOT NULL,
	"intervention" text NOT NULL,
	"context_key" text NOT NULL,
	"sampled" real NOT NULL,
	"explored" boolean NOT NULL,
	"score_before" real NOT NULL,
	"outcome" text DEFAULT 'pending' NOT NULL,
	"outcome_reason" text,
	"due_at" timestamp with time zone NOT NULL,
	"settled_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "conversation_health" ADD CONSTRAINT "conversation_health_conversation_id_conversations_id_fk" FOREIGN KEY ("conversation_id") REFERENCES "public"."conversations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "interventions" ADD CONSTRAINT "interventions_conversation_id_conversations_id_fk" FOREIGN KEY ("conversation_id") REFERENCES "public"."conversations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "interventions" ADD CONSTRAINT "interventions_decision_id_decisions_id_fk" FOREIGN KEY ("decision_id") REFERENCES "public"."decisions"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "conversation_health_waiting_idx" ON "conversation_health" USING btree ("closed","waiting_since");--> statement-breakpoint
CREATE UNIQUE INDEX "interventions_episode_idx" ON "interventions" USING btree ("conversation_id","anomaly","episode_seq");--> statement-breakpoint
CREATE INDEX "interventions_due_idx" ON "interventions" USING btree ("outcome","due_at");