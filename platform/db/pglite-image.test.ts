import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../tests/support/temp-dir.ts';
import { openDatabase, readPgliteImage } from './index.ts';

// Each case runs initdb once or twice (3 to 5 s each on a loaded machine).
describe('PGlite in memory from an image file (PGLITE_IMAGE)', { timeout: 120_000 }, () => {
  it('makes the image at the first open, starts from it at the next, and the clusters are separate', async () => {
    const file = join(tempDir('pglite-image'), 'fresh.tar');
    const said: string[] = [];
    const first = await openDatabase({ dataDir: 'memory', image: { file }, onImage: (m) => said.push(m) });
    const made = statSync(file);
    expect(made.size).toBeGreaterThan(1_000_000);
    try {
      await first.db.execute(sql`create table only_here (id int)`);
      const read = await readPgliteImage(file);
      expect(read.made).toBe(false);
      const second = await openDatabase({ dataDir: 'memory', image: { file } });
      try {
        // A fresh cluster: nothing the first one wrote.
        const found = await second.db.execute(sql`select count(*)::int as n from pg_tables where tablename = 'only_here'`);
        expect((found as unknown as { rows: { n: number }[] }).rows[0]?.n).toBe(0);
      } finally {
        await second.close();
      }
    } finally {
      await first.close();
    }
    // Read, not made again.
    expect(statSync(file).mtimeMs).toBe(made.mtimeMs);
    expect(said).toEqual([]);
  });

  it('makes a file PGlite cannot start from again, and says so', async () => {
    const file = join(tempDir('pglite-image'), 'fresh.tar');
    writeFileSync(file, 'not an image of a PostgreSQL data directory');
    const said: string[] = [];
    const database = await openDatabase({ dataDir: 'memory', image: { file }, onImage: (m) => said.push(m) });
    try {
      const answer = await database.db.execute(sql`select 1 as one`);
      expect((answer as unknown as { rows: { one: number }[] }).rows[0]?.one).toBe(1);
    } finally {
      await database.close();
    }
    expect(said).toEqual([expect.stringMatching(new RegExp(`^PGlite cannot start from the image ${file} \\(.+\\); making it again$`))]);
    expect(readFileSync(file).length).toBeGreaterThan(1_000_000);
    expect((await readPgliteImage(file)).made).toBe(false);
  });

  it('is for in-memory PGlite only', async () => {
    const dir = tempDir('pglite-image');
    await expect(openDatabase({ dataDir: dir, image: { file: join(dir, 'fresh.tar') } })).rejects.toThrow(
      `an image is for in-memory PGlite only, not for the data directory ${dir}`,
    );
  });
});
