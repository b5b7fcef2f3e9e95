CREATE TABLE "identity"."erasure_confirmations" (
	"erasure_id" uuid NOT NULL,
	"module" text NOT NULL,
	"erased" jsonb NOT NULL,
	"confirmed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "erasure_confirmations_erasure_id_module_pk" PRIMARY KEY("erasure_id","module")
);
