ALTER TABLE "identity"."refresh_tokens" ADD COLUMN "family_started_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
-- Families signed in before this column: started no later than their oldest token still kept.
UPDATE "identity"."refresh_tokens" AS "r" SET "family_started_at" = "f"."started" FROM (SELECT "family_id", min("issued_at") AS "started" FROM "identity"."refresh_tokens" GROUP BY "family_id") AS "f" WHERE "r"."family_id" = "f"."family_id";
