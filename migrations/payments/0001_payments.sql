-- Double entry, enforced by the database: at commit, every journal entry that got postings has debits equal to its
-- credits. Deferred, so an entry's legs can be inserted one by one within its transaction.
CREATE FUNCTION "payments"."check_entry_balanced"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (
    SELECT 1 FROM "payments"."postings" WHERE "entry_id" = NEW."entry_id" GROUP BY "entry_id" HAVING sum("debit") <> sum("credit")
  ) THEN
    RAISE EXCEPTION 'journal entry % does not balance', NEW."entry_id" USING ERRCODE = '23514';
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER "postings_balanced" AFTER INSERT OR UPDATE ON "payments"."postings"
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION "payments"."check_entry_balanced"();
--> statement-breakpoint
-- Postings are history: never changed, never removed.
CREATE FUNCTION "payments"."refuse_posting_change"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'postings are append-only' USING ERRCODE = '55000';
END
$$;
--> statement-breakpoint
CREATE TRIGGER "postings_append_only" BEFORE UPDATE OR DELETE ON "payments"."postings" FOR EACH ROW EXECUTE FUNCTION "payments"."refuse_posting_change"();
