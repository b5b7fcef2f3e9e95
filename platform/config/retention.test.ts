import { describe, expect, it } from 'vitest';
import { problemsOf } from '../../tests/support/config-problems.ts';
import { loadConfig } from './load-config.ts';

describe('retention and timeout settings', () => {
  it('read durations in milliseconds or with a unit', () => {
    const config = loadConfig({ OUTBOX_RETENTION: '36h', INBOX_RETENTION: '3d', DEAD_LETTER_RETENTION: '90000', PRUNE_INTERVAL: '15m' });
    expect(config.retention).toEqual({ outboxMs: 36 * 3_600_000, inboxMs: 3 * 86_400_000, deadLetterMs: 90_000, pruneIntervalMs: 15 * 60_000 });
  });

  it('default to an inbox that outlives the outbox, the dead letters and the broker jobs', () => {
    const { retention, events } = loadConfig({});
    expect(retention.inboxMs).toBeGreaterThanOrEqual(Math.max(retention.outboxMs, retention.deadLetterMs, events.jobRetentionMs));
  });

  it('refuse an unreadable duration, naming the variable', () => {
    expect(problemsOf({ OUTBOX_RETENTION: 'a week' })).toEqual([
      { variable: 'OUTBOX_RETENTION', message: 'must be a positive duration: milliseconds, or a number with ms, s, m, h or d (e.g. 7d)' },
    ]);
    expect(problemsOf({ PRUNE_INTERVAL: '0s' }).map((p) => p.variable)).toEqual(['PRUNE_INTERVAL']);
  });

  it('refuse an inbox that forgets events a redrive, a replay or the broker could still bring back', () => {
    const problems = problemsOf({ INBOX_RETENTION: '2d', OUTBOX_RETENTION: '7d', DEAD_LETTER_RETENTION: '1d', EVENT_JOB_RETENTION: '3d' });
    expect(problems.map((p) => p.variable)).toEqual(['INBOX_RETENTION', 'INBOX_RETENTION']);
    expect(problems.map((p) => p.message).join('\n')).toContain('must be at least OUTBOX_RETENTION');
    expect(problems.map((p) => p.message).join('\n')).toContain('must be at least EVENT_JOB_RETENTION');
  });

  it('refuse a handler deadline the database would cut short first', () => {
    expect(problemsOf({ EVENT_HANDLER_TIMEOUT_MS: '60000', DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: '30000' })).toEqual([
      { variable: 'EVENT_HANDLER_TIMEOUT_MS', message: 'must be shorter than DB_IDLE_IN_TRANSACTION_TIMEOUT_MS' },
    ]);
  });
});
