CREATE TABLE "identity"."data_keys" (
	"id" uuid PRIMARY KEY NOT NULL,
	"subject" text NOT NULL,
	"kek_id" text,
	"wrapped_key" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"shredded_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "identity"."users" ADD COLUMN "email" text;--> statement-breakpoint
ALTER TABLE "identity"."users" ADD COLUMN "email_index" text;--> statement-breakpoint
ALTER TABLE "identity"."users" ADD COLUMN "display_name" text;--> statement-breakpoint
CREATE UNIQUE INDEX "data_keys_subject_idx" ON "identity"."data_keys" USING btree ("subject");--> statement-breakpoint
CREATE INDEX "data_keys_kek_idx" ON "identity"."data_keys" USING btree ("kek_id");--> statement-breakpoint
ALTER TABLE "identity"."users" ADD CONSTRAINT "users_email_index_unique" UNIQUE("email_index");