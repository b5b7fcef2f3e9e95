ALTER TABLE "probe"."outbox" ADD COLUMN "claimed_by" text;--> statement-breakpoint
CREATE INDEX "inbox_handled_idx" ON "probe"."inbox" USING btree ("handled_at");--> statement-breakpoint
CREATE INDEX "outbox_created_idx" ON "probe"."outbox" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "outbox_dispatched_idx" ON "probe"."outbox" USING btree ("dispatched_at") WHERE "probe"."outbox"."dispatched_at" is not null;