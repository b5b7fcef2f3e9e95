ALTER TABLE "slowstart"."outbox" ADD COLUMN "claimed_by" text;--> statement-breakpoint
CREATE INDEX "inbox_handled_idx" ON "slowstart"."inbox" USING btree ("handled_at");--> statement-breakpoint
CREATE INDEX "outbox_created_idx" ON "slowstart"."outbox" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "outbox_dispatched_idx" ON "slowstart"."outbox" USING btree ("dispatched_at") WHERE "slowstart"."outbox"."dispatched_at" is not null;--> statement-breakpoint
-- Start-up that holds the event loop: PGlite runs this without a turn of it (a long migration, in miniature).
SELECT pg_sleep(5);
