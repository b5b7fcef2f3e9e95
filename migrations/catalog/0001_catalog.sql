ALTER TABLE "catalog"."outbox" ADD COLUMN "claimed_by" text;--> statement-breakpoint
CREATE INDEX "inbox_handled_idx" ON "catalog"."inbox" USING btree ("handled_at");--> statement-breakpoint
CREATE INDEX "outbox_created_idx" ON "catalog"."outbox" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "outbox_dispatched_idx" ON "catalog"."outbox" USING btree ("dispatched_at") WHERE "catalog"."outbox"."dispatched_at" is not null;