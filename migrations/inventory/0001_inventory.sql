ALTER TABLE "inventory"."outbox" ADD COLUMN "claimed_by" text;--> statement-breakpoint
CREATE INDEX "inbox_handled_idx" ON "inventory"."inbox" USING btree ("handled_at");--> statement-breakpoint
CREATE INDEX "outbox_created_idx" ON "inventory"."outbox" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "outbox_dispatched_idx" ON "inventory"."outbox" USING btree ("dispatched_at") WHERE "inventory"."outbox"."dispatched_at" is not null;