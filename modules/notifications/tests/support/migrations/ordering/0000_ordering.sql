CREATE SCHEMA "ordering";
--> statement-breakpoint
CREATE TABLE "ordering"."dead_letters" (
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
CREATE TABLE "ordering"."inbox" (
	"event_id" uuid NOT NULL,
	"consumer" text NOT NULL,
	"handled_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "inbox_event_id_consumer_pk" PRIMARY KEY("event_id","consumer")
);
--> statement-breakpoint
CREATE TABLE "ordering"."outbox" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"id" uuid NOT NULL,
	"name" text NOT NULL,
	"version" integer NOT NULL,
	"aggregate_key" text NOT NULL,
	"envelope" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"claimed_until" timestamp with time zone,
	"dispatched_at" timestamp with time zone,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	CONSTRAINT "outbox_id_unique" UNIQUE("id")
);
--> statement-breakpoint
CREATE UNIQUE INDEX "dead_letters_event_consumer_idx" ON "ordering"."dead_letters" USING btree ("event_id","consumer");--> statement-breakpoint
CREATE INDEX "outbox_pending_idx" ON "ordering"."outbox" USING btree ("aggregate_key","seq") WHERE "ordering"."outbox"."dispatched_at" is null;
--> statement-breakpoint
ALTER TABLE "ordering"."outbox" ADD COLUMN "claimed_by" text;--> statement-breakpoint
CREATE INDEX "inbox_handled_idx" ON "ordering"."inbox" USING btree ("handled_at");--> statement-breakpoint
CREATE INDEX "outbox_created_idx" ON "ordering"."outbox" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "outbox_dispatched_idx" ON "ordering"."outbox" USING btree ("dispatched_at") WHERE "ordering"."outbox"."dispatched_at" is not null;
--> statement-breakpoint
CREATE TABLE "ordering"."idempotency_keys" (
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
CREATE INDEX "idempotency_keys_expires_idx" ON "ordering"."idempotency_keys" USING btree ("expires_at");
