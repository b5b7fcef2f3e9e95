CREATE TABLE "payments"."erased_customers" (
	"customer_id" text PRIMARY KEY NOT NULL,
	"pseudonym" text NOT NULL,
	"erased_at" timestamp with time zone DEFAULT now() NOT NULL
);
