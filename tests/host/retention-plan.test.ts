import { describe, expect, it } from 'vitest';
import { paymentsModule } from '../../modules/payments/index.ts';
import { loadConfig } from '../../platform/config/index.ts';
import { compareTables } from '../../platform/host/classified-schema.ts';
import { retentionPlan } from '../../platform/host/retention-plan.ts';

describe('retention plan', () => {
  it('takes the delivery tables from the settings, the module tables from their declarations, and says why others are kept', () => {
    const plan = retentionPlan(
      paymentsModule,
      loadConfig({ OUTBOX_RETENTION: '36h', INBOX_RETENTION: '3d', DEAD_LETTER_RETENTION: '2d', EVENT_JOB_RETENTION: '1d' }),
    );
    expect(plan.rules.map((r) => [r.table, r.retention, r.agedBy, r.action])).toEqual([
      ['dead_letters', '2d (DEAD_LETTER_RETENTION)', 'replayed_at', 'delete'],
      ['erased_customers', '10 years', 'erased_at', 'delete'],
      ['inbox', '3d (INBOX_RETENTION)', 'handled_at', 'delete'],
      ['outbox', '36h (OUTBOX_RETENTION)', 'dispatched_at', 'delete'],
      ['payment_intents', '10 years', 'created_at', 'anonymise'],
      ['provider_operations', '10 years', 'created_at', 'delete'],
      ['refunds', '10 years', 'created_at', 'delete'],
      ['sagas', '90 days', 'ended_at', 'delete'],
      // Rows belonging to another table's come after its rule, aged as it is.
      ['saga_history', 'with its sagas row (90 days)', 'sagas.ended_at', 'delete'],
    ]);
    expect(plan.rules.find((r) => r.table === 'outbox')?.age).toEqual({ ms: 36 * 3_600_000 });
    expect(plan.rules.find((r) => r.table === 'refunds')?.onlyWhen).toEqual({ status: ['succeeded', 'declined'] });
    expect(plan.rules.find((r) => r.table === 'saga_history')?.belongsTo).toEqual({ table: 'sagas', column: 'saga_id', references: 'id' });
    expect(plan.kept).toContainEqual(expect.objectContaining({ table: 'postings', reason: 'kept indefinitely', declaredBy: 'module' }));
    expect(plan.kept).toContainEqual(expect.objectContaining({ table: 'audit_log', reason: 'kept indefinitely' }));
  });

  it('rows belonging to a table whose rows are not deleted by age are kept, saying why', () => {
    const module = {
      ...paymentsModule,
      data: {
        ...paymentsModule.data,
        refunds: { classification: 'internal', retention: '1y', belongsTo: { table: 'payment_intents', column: 'intent_id', references: 'id' } },
      },
    } as typeof paymentsModule;
    const plan = retentionPlan(module, loadConfig({}));
    expect(plan.rules.map((r) => r.table)).not.toContain('refunds');
    expect(plan.kept).toContainEqual({
      table: 'refunds',
      retention: '1 year',
      reason: 'not enforced: belongs to payment_intents, whose rows are not deleted by age',
      declaredBy: 'module',
    });
  });

  it('a declared agedBy or anonymised column the table does not have is reported with the missing columns', () => {
    const module = {
      ...paymentsModule,
      data: { payment_intents: { ...paymentsModule.data?.payment_intents, agedBy: 'creatd_at', onExpiry: { anonymise: { customer: null } } } },
    } as typeof paymentsModule;
    const present = new Map([['payment_intents', new Set(['id', 'customer_id', 'created_at'])]]);
    expect(compareTables(module, present).missingColumns).toEqual(['payment_intents.creatd_at', 'payment_intents.customer']);
  });
});
