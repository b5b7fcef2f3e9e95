import { withArticle, type Spellings } from '../names.ts';

/** What a workflow template is written for: the module, the new definition's name, and (projections) its aggregate. */
export interface WorkflowNames {
  module: Spellings;
  name: Spellings;
  /** The aggregate a projection reads from. */
  from?: Spellings | undefined;
}

const platform = '../../../platform';
/** The test's imports: vitest, the host, the test databases and the named helpers of tests/support/test-host.ts. */
const harness = (helpers: string) => `import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Host, ModuleContext } from '${platform}/host/index.ts';
import { testDatabases, type TestDatabaseHandle } from '../../../tests/support/databases.ts';
import { ${helpers} } from '../../../tests/support/test-host.ts';`;

/** The test's host over each test database (PGlite, and PostgreSQL with TEST_DATABASE_URL), and the module's context. */
function hostSetup(n: WorkflowNames): string {
  return `  let database: TestDatabaseHandle;
  let host: Host;
  let ctx: ModuleContext;

  beforeAll(async () => {
    database = await testDatabase.open();
    // Every module of apps/modules.ts: ${n.module.kebab}'s \`uses\` are hosted beside it.
    host = await startTestHost({ database });
    const hosted = host.modules.find((m) => m.definition === ${n.module.camel}Module);
    if (!hosted) throw new Error('${n.module.kebab} is not hosted');
    ctx = hosted.context;
  });
  afterAll(async () => {
    await host?.stop();
    await database?.close();
  });
`;
}

/** `application/<name>.aggregate.ts` and its test. */
export function aggregateFiles(n: WorkflowNames): Record<string, string> {
  const { module: m, name: a } = n;
  const source = `import { z } from 'zod';
import { defineAggregate } from '${platform}/event-sourcing/index.ts';
import { defineEvent } from '${platform}/events/index.ts';

/**
 * Stream events of ${withArticle(a.words)}, stored in ${m.kebab}'s \`es_events\` and never published as they are: publish
 * the integration events they imply through \`ctx.outbox\` in the append's transaction. To change one, declare the next
 * version with \`upcast: { from: <this one>, convert }\`: stored events are read through it.
 */
export const ${a.camel}Opened = defineEvent({
  name: '${m.kebab}.${a.kebab}-opened',
  version: 1,
  schema: z.object({ ${a.camel}Id: z.string(), title: z.string().min(1) }),
  key: (p) => p.${a.camel}Id,
});
export const ${a.camel}Noted = defineEvent({
  name: '${m.kebab}.${a.kebab}-noted',
  version: 1,
  schema: z.object({ ${a.camel}Id: z.string(), note: z.string().min(1) }),
  key: (p) => p.${a.camel}Id,
});

/** What the stream folds to: decide with it, then append what the decision produced. */
export interface ${a.pascal}State {
  open: boolean;
  title: string | null;
  notes: readonly string[];
}

/**
 * The ${a.words} aggregate: \`load(db, id)\` folds its stream; \`append(tx, id, expectedVersion, events)\` adds to it, or
 * throws \`platform/stream-version-conflict\` (409) when another append got there first.
 */
export const ${a.camel}Aggregate = defineAggregate({
  name: '${a.kebab}',
  events: { opened: ${a.camel}Opened, noted: ${a.camel}Noted },
  initial: (): ${a.pascal}State => ({ open: false, title: null, notes: [] }),
  evolve(state, event): ${a.pascal}State {
    switch (event.type) {
      case 'opened':
        return { ...state, open: true, title: event.payload.title };
      case 'noted':
        return { ...state, notes: [...state.notes, event.payload.note] };
    }
  },
});
`;
  const test = `import { randomUUID } from 'node:crypto';
${harness('startTestHost')}
import { ${a.camel}Aggregate } from '../application/${a.kebab}.aggregate.ts';
import { ${m.camel}Module } from '../module.ts';

describe.each(testDatabases)('${a.words} aggregate on $name', (testDatabase) => {
${hostSetup(n)}
  it('folds its stream: opened, then two notes, at version 3', async () => {
    const id = randomUUID();
    await ctx.transaction((tx) => ${a.camel}Aggregate.append(tx, id, 0, [{ type: 'opened', payload: { ${a.camel}Id: id, title: 'First' } }]));
    await ctx.transaction((tx) =>
      ${a.camel}Aggregate.append(tx, id, 1, [
        { type: 'noted', payload: { ${a.camel}Id: id, note: 'one' } },
        { type: 'noted', payload: { ${a.camel}Id: id, note: 'two' } },
      ]),
    );
    expect(await ${a.camel}Aggregate.load(ctx.db, id)).toEqual({ state: { open: true, title: 'First', notes: ['one', 'two'] }, version: 3 });
  });

  it('an append decided on a stale version is refused with platform/stream-version-conflict, and adds nothing', async () => {
    const id = randomUUID();
    await ctx.transaction((tx) => ${a.camel}Aggregate.append(tx, id, 0, [{ type: 'opened', payload: { ${a.camel}Id: id, title: 'First' } }]));
    const stale = ctx.transaction((tx) => ${a.camel}Aggregate.append(tx, id, 0, [{ type: 'noted', payload: { ${a.camel}Id: id, note: 'late' } }]));
    await expect(stale).rejects.toMatchObject({ kind: 'conflict', code: 'platform/stream-version-conflict' });
    expect((await ${a.camel}Aggregate.load(ctx.db, id)).version).toBe(1);
  });
});
`;
  return { [`application/${a.kebab}.aggregate.ts`]: source, [`tests/${a.kebab}.aggregate.test.ts`]: test };
}

/** `application/<name>.projection.ts` (one row per stream of the aggregate) and its test. */
export function projectionFiles(n: WorkflowNames): Record<string, string> {
  const { module: m, name: p } = n;
  const a = n.from;
  if (!a) throw new Error('a projection needs the aggregate it reads from');
  const source = `import { sql } from 'drizzle-orm';
import { defineProjection } from '${platform}/event-sourcing/index.ts';
import { ${a.camel}Aggregate } from './${a.kebab}.aggregate.ts';

/**
 * A read model of the ${a.words} streams: one row per stream with its event count, last event and version. \`tables\`
 * declares the columns (the runner creates the tables, and their shadows during a rebuild); \`handle\` runs in the
 * transaction that advances the projection's checkpoint, so each event counts once. Change what it stores by raising
 * \`version\`: the host then rebuilds it from the streams while the old model keeps serving.
 */
export const ${p.camel}Projection = defineProjection({
  name: '${p.kebab}',
  version: 1,
  from: [${a.camel}Aggregate],
  tables: { ${p.snake}: '"stream_id" text PRIMARY KEY, "events" integer NOT NULL, "last_event" text NOT NULL, "version" integer NOT NULL' },
  // Its tables' classification (see docs/operations/data-classification.md): a host refuses an unclassified table.
  data: { ${p.snake}: { classification: 'internal', retention: { indefinite: 'a read model, rebuilt from the streams' } } },
  async handle(tx, event, { ${p.snake}: table }) {
    await tx.execute(sql\`
      insert into \${table} ("stream_id", "events", "last_event", "version") values (\${event.streamId}, 1, \${event.type}, \${event.version})
      on conflict ("stream_id") do update set "events" = \${table}."events" + 1, "last_event" = excluded."last_event", "version" = excluded."version"\`);
  },
});
`;
  const test = `import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
${harness('call, eventually, startTestHost')}
import { resultRows } from '${platform}/db/index.ts';
import { ${a.camel}Aggregate } from '../application/${a.kebab}.aggregate.ts';
import { ${p.camel}Projection } from '../application/${p.kebab}.projection.ts';
import { ${m.camel}Module } from '../module.ts';

describe.each(testDatabases)('${p.words} projection on $name', (testDatabase) => {
${hostSetup(n)}
  const row = async (id: string) =>
    resultRows(await ctx.db.execute(sql\`select "events", "last_event", "version" from "${m.kebab}"."${p.snake}" where "stream_id" = \${id}\`))[0];

  it('follows the streams: a row per ${a.words} with its event count and version', async () => {
    const id = randomUUID();
    await ctx.transaction((tx) => ${a.camel}Aggregate.append(tx, id, 0, [{ type: 'opened', payload: { ${a.camel}Id: id, title: 'First' } }]));
    await ctx.transaction((tx) => ${a.camel}Aggregate.append(tx, id, 1, [{ type: 'noted', payload: { ${a.camel}Id: id, note: 'one' } }]));
    await eventually(async () => expect(await row(id)).toEqual({ events: 2, last_event: 'noted', version: 2 }), 30_000);
  });

  it('rebuilds from the streams through the operator route and ends with the same rows', async () => {
    const id = randomUUID();
    await ctx.transaction((tx) => ${a.camel}Aggregate.append(tx, id, 0, [{ type: 'opened', payload: { ${a.camel}Id: id, title: 'Again' } }]));
    await eventually(async () => expect(await row(id)).toEqual({ events: 1, last_event: 'opened', version: 1 }), 30_000);
    const started = await call(host, 'POST', '/ops/projections/${m.kebab}/${p.kebab}/rebuild');
    expect(started.status).toBe(202);
    await eventually(async () => {
      const { items } = (await (await call(host, 'GET', '/ops/projections')).json()) as {
        items: { name: string; rebuild: unknown; rebuiltAt: string | null }[];
      };
      expect(items.find((x) => x.name === ${p.camel}Projection.name)).toMatchObject({ rebuild: null, rebuiltAt: expect.any(String) });
    }, 60_000);
    expect(await row(id)).toEqual({ events: 1, last_event: 'opened', version: 1 });
  });
});
`;
  return { [`application/${p.kebab}.projection.ts`]: source, [`tests/${p.kebab}.projection.test.ts`]: test };
}

/** `application/<name>.saga.ts` (three steps, the second the point of no return) and its test. */
export function sagaFiles(n: WorkflowNames): Record<string, string> {
  const { module: m, name: s } = n;
  const source = `import { z } from 'zod';
import type { ModuleContext } from '${platform}/host/index.ts';
import { defineSaga, step } from '${platform}/sagas/index.ts';

const input = z.object({ requestId: z.string().min(1) });
type Input = z.output<typeof input>;

/**
 * The ${s.words} saga, orchestrated by ${m.kebab}. Replace each step's body with its participant call, passing
 * \`idempotencyKey\` and \`signal\` (e.g. \`ctx.context.client(otherContract).someRoute({ ... }, { idempotencyKey })\`):
 * a step may run again after a crash or a timeout, and the key makes the repeat a replay. \`compensate\` undoes a step
 * and must be safe when its invoke never happened. Up to \`pointOfNoReturn\` a failure compensates in reverse; after
 * it the remaining steps are retried until they succeed. Start it in the transaction of the change that calls for it:
 * \`await ctx.sagas.start(tx, ${s.camel}Saga, { requestId })\`, and answer 202.
 */
export const ${s.camel}Saga = defineSaga({
  name: '${s.kebab}',
  input,
  pointOfNoReturn: 'confirm',
  steps: [
    step<Input, ModuleContext>('prepare', {
      invoke: async ({ input, idempotencyKey, log }) => {
        log.info({ requestId: input.requestId, idempotencyKey }, '${s.words}: prepared');
        return { prepared: input.requestId };
      },
      compensate: async ({ input, log }) => {
        log.info({ requestId: input.requestId }, '${s.words}: preparation undone');
      },
    }),
    step<Input, ModuleContext>('confirm', {
      invoke: async ({ input, results }) => ({ confirmed: input.requestId, after: results.prepare }),
    }),
    step<Input, ModuleContext>('announce', {
      invoke: async ({ input, log }) => {
        log.info({ requestId: input.requestId }, '${s.words}: done');
        return { announced: true };
      },
    }),
  ],
});
`;
  const test = `import { randomUUID } from 'node:crypto';
${harness('call, eventually, startTestHost')}
import { ${s.camel}Saga } from '../application/${s.kebab}.saga.ts';
import { ${m.camel}Module } from '../module.ts';

interface SagaView {
  state: string;
  history: { step: string; action: string; outcome: string | null }[];
}

describe.each(testDatabases)('${s.words} saga on $name', (testDatabase) => {
${hostSetup(n)}
  it('runs in the background to completed, recording the intent of each step before its invoke', async () => {
    const started = await ctx.transaction((tx) => ctx.sagas.start(tx, ${s.camel}Saga, { requestId: randomUUID() }));
    expect(started.created).toBe(true);
    const saga = await eventually(async () => {
      const view = (await (await call(host, 'GET', started.url)).json()) as SagaView;
      expect(view.state).toBe('completed');
      return view;
    }, 60_000);
    const order = saga.history.filter((e) => e.action === 'intent' || (e.action === 'invoke' && e.outcome === 'succeeded'));
    expect(order.map((e) => \`\${e.action}:\${e.step}\`)).toEqual(['prepare', 'confirm', 'announce'].flatMap((x) => [\`intent:\${x}\`, \`invoke:\${x}\`]));
  });

  it('starting it again with the same id does nothing', async () => {
    const id = randomUUID();
    const first = await ctx.transaction((tx) => ctx.sagas.start(tx, ${s.camel}Saga, { requestId: 'once' }, { id }));
    const again = await ctx.transaction((tx) => ctx.sagas.start(tx, ${s.camel}Saga, { requestId: 'once' }, { id }));
    expect([first.created, again.created]).toEqual([true, false]);
  });
});
`;
  return { [`application/${s.kebab}.saga.ts`]: source, [`tests/${s.kebab}.saga.test.ts`]: test };
}
