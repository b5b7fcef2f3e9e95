import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, resultRows, type DatabaseHandle } from '../../platform/db/index.ts';
import { moduleRole, provisionModuleSchema } from '../../platform/host/index.ts';
import { postgresUrl } from '../support/databases.ts';

describe.skipIf(!postgresUrl)('a module schema restored from a dump (its objects owned by whoever restored it)', () => {
  let admin: DatabaseHandle;
  const module = `restored-${randomBytes(4).toString('hex')}`;
  const role = moduleRole(module);
  beforeAll(async () => {
    admin = await openDatabase({ url: postgresUrl as string, maxConnections: 2 });
    // What `pg_restore --no-owner` leaves: the schema's objects belong to the restoring (administrative) user.
    await admin.db.execute(
      sql.raw(`create schema "${module}";
        create table "${module}".items (id serial primary key, label text not null, n integer generated always as identity);
        insert into "${module}".items (label) values ('restored');
        create view "${module}".labels as select label from "${module}".items;
        create type "${module}".mood as enum ('ok', 'not-ok');
        create function "${module}".item_count() returns bigint language sql as 'select count(*) from "${module}".items';`),
    );
  });
  afterAll(async () => {
    await admin.db.execute(sql.raw(`drop schema if exists "${module}" cascade`));
    await admin.db.execute(sql.raw(`drop role if exists "${role}"`));
    await admin.close();
  });

  it("provisioning gives the module's role its tables, sequences, views, functions and types, so the module can use them", async () => {
    await provisionModuleSchema(admin, module);
    const owners = resultRows<{ owner: string }>(
      await admin.db.execute(sql`select distinct pg_get_userbyid(c.relowner) as owner from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = ${module} and c.relkind in ('r', 'v', 'S')`),
    );
    expect(owners).toEqual([{ owner: role }]);
    const used = await admin.db.transaction(async (tx) => {
      await tx.execute(sql.raw(`set local role "${role}"`));
      await tx.execute(sql.raw(`insert into "${module}".items (label) values ('written as the module')`));
      const rows = resultRows<{ count: string; labels: string; mood: string }>(
        await tx.execute(
          sql.raw(`select "${module}".item_count()::text as count, (select string_agg(label, ',' order by label) from "${module}".labels) as labels,
            'ok'::"${module}".mood::text as mood`),
        ),
      );
      await tx.execute(sql.raw(`alter type "${module}".mood add value if not exists 'meh'`));
      return rows[0];
    });
    expect(used).toEqual({ count: '2', labels: 'restored,written as the module', mood: 'ok' });
    // Running it again (every start does) changes nothing and does not fail.
    await provisionModuleSchema(admin, module);
  });
});
