ALTER TABLE "inventory"."reservations" ALTER COLUMN "product_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "inventory"."reservations" ALTER COLUMN "quantity" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "inventory"."reservations" ADD COLUMN "committed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "inventory"."reservations" ADD CONSTRAINT "reservations_tombstone_released" CHECK (("inventory"."reservations"."product_id" is not null and "inventory"."reservations"."quantity" is not null) or "inventory"."reservations"."status" = 'released');