CREATE SCHEMA "payments";
--> statement-breakpoint
CREATE TABLE "payments"."dead_letters" (
	"id" uuid PRIMARY KEY NOT NULL,
	"event_id" uuid NOT NULL,
	"consumer" text NOT NULL,
	"event_name" text NOT NULL,
	"event_version" integer NOT NULL,
	"envelope" jsonb NOT NULL,
	"error" text NOT NULL,
	"attempts" integer NOT NULL,
	"failed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"replayed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "payments"."idempotency_keys" (
	"scope" text NOT NULL,
	"method" text NOT NULL,
	"path" text NOT NULL,
	"key" text NOT NULL,
	"fingerprint" text NOT NULL,
	"token" uuid NOT NULL,
	"state" text NOT NULL,
	"locked_until" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"response_status" integer,
	"response_headers" jsonb,
	"response_body" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "idempotency_keys_scope_method_path_key_pk" PRIMARY KEY("scope","method","path","key")
);
--> statement-breakpoint
CREATE TABLE "payments"."inbox" (
	"event_id" uuid NOT NULL,
	"consumer" text NOT NULL,
	"handled_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "inbox_event_id_consumer_pk" PRIMARY KEY("event_id","consumer")
);
--> statement-breakpoint
CREATE TABLE "payments"."journal_entries" (
	"id" uuid PRIMARY KEY NOT NULL,
	"intent_id" uuid NOT NULL,
	"movement" text NOT NULL,
	"currency" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "journal_entries_movement" UNIQUE("intent_id","movement")
);
--> statement-breakpoint
CREATE TABLE "payments"."outbox" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"id" uuid NOT NULL,
	"name" text NOT NULL,
	"version" integer NOT NULL,
	"aggregate_key" text NOT NULL,
	"envelope" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"claimed_until" timestamp with time zone,
	"claimed_by" text,
	"dispatched_at" timestamp with time zone,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	CONSTRAINT "outbox_id_unique" UNIQUE("id")
);
--> statement-breakpoint
CREATE TABLE "payments"."payment_intents" (
	"id" uuid PRIMARY KEY NOT NULL,
	"reference" text,
	"customer_id" text,
	"amount" integer,
	"currency" text,
	"status" text NOT NULL,
	"captured_amount" integer DEFAULT 0 NOT NULL,
	"refunded_amount" integer DEFAULT 0 NOT NULL,
	"refund_reserved" integer DEFAULT 0 NOT NULL,
	"refund_count" integer DEFAULT 0 NOT NULL,
	"decline_reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "payment_intents_tombstone_voided" CHECK (("payments"."payment_intents"."amount" is not null and "payments"."payment_intents"."reference" is not null and "payments"."payment_intents"."currency" is not null) or "payments"."payment_intents"."status" = 'voided'),
	CONSTRAINT "payment_intents_amounts" CHECK ("payments"."payment_intents"."refunded_amount" >= 0 and "payments"."payment_intents"."refunded_amount" <= "payments"."payment_intents"."refund_reserved" and "payments"."payment_intents"."refund_reserved" <= "payments"."payment_intents"."captured_amount" and "payments"."payment_intents"."captured_amount" <= coalesce("payments"."payment_intents"."amount", 0))
);
--> statement-breakpoint
CREATE TABLE "payments"."postings" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"entry_id" uuid NOT NULL,
	"account" text NOT NULL,
	"debit" integer DEFAULT 0 NOT NULL,
	"credit" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "postings_one_side" CHECK ("payments"."postings"."debit" >= 0 and "payments"."postings"."credit" >= 0 and ("payments"."postings"."debit" = 0) <> ("payments"."postings"."credit" = 0))
);
--> statement-breakpoint
CREATE TABLE "payments"."provider_operations" (
	"key" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"intent_id" uuid NOT NULL,
	"amount" integer,
	"currency" text,
	"outcome" text NOT NULL,
	"reason" text,
	"reference" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "payments"."refunds" (
	"intent_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"provider_key" text NOT NULL,
	"amount" integer NOT NULL,
	"status" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "refunds_intent_seq" UNIQUE("intent_id","seq"),
	CONSTRAINT "refunds_provider_key" UNIQUE("provider_key"),
	CONSTRAINT "refunds_amount_positive" CHECK ("payments"."refunds"."amount" > 0)
);
--> statement-breakpoint
CREATE UNIQUE INDEX "dead_letters_event_consumer_idx" ON "payments"."dead_letters" USING btree ("event_id","consumer");--> statement-breakpoint
CREATE INDEX "idempotency_keys_expires_idx" ON "payments"."idempotency_keys" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "inbox_handled_idx" ON "payments"."inbox" USING btree ("handled_at");--> statement-breakpoint
CREATE INDEX "outbox_pending_idx" ON "payments"."outbox" USING btree ("aggregate_key","seq") WHERE "payments"."outbox"."dispatched_at" is null;--> statement-breakpoint
CREATE INDEX "outbox_created_idx" ON "payments"."outbox" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "outbox_dispatched_idx" ON "payments"."outbox" USING btree ("dispatched_at") WHERE "payments"."outbox"."dispatched_at" is not null;--> statement-breakpoint
CREATE INDEX "postings_entry_idx" ON "payments"."postings" USING btree ("entry_id");--> statement-breakpoint
CREATE INDEX "provider_operations_intent_idx" ON "payments"."provider_operations" USING btree ("intent_id");