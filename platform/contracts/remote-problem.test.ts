import { describe, expect, it } from 'vitest';
import { statusByKind } from '../http/problem.ts';
import { RemoteProblemError } from './remote-problem.ts';

const problem = (status: number, code: string) => ({ type: `urn:cleave:problem:${code}`, title: 'Title', status, code, detail: `${code} detail` });

describe('a provider’s problem, as the calling module re-raises it', () => {
  it('keeps the provider’s own refusals (code and status)', () => {
    for (const [status, code] of [
      [404, 'inventory/stock-item-not-found'],
      [409, 'inventory/insufficient-stock'],
      [412, 'http/precondition-failed'],
      [422, 'http/validation-failed'],
    ] as const) {
      const error = new RemoteProblemError('inventory', problem(status, code));
      expect([statusByKind[error.kind], error.code]).toEqual([status, code]);
    }
  });

  it('makes the provider’s failure a bad gateway, its code kept beside it', () => {
    const error = new RemoteProblemError('inventory', problem(500, 'http/internal'));
    expect([statusByKind[error.kind], error.code, error.details]).toEqual([502, 'http/upstream-failed', { module: 'inventory', upstreamStatus: 500, upstreamCode: 'http/internal' }]);
  });

  it('makes a provider limiting this host’s calls (429) a 503 with its Retry-After, not a 4xx the client would not retry', () => {
    const error = new RemoteProblemError('catalog', problem(429, 'http/too-many-requests'), 7);
    expect(statusByKind[error.kind]).toBe(503);
    expect(error.code).toBe('http/upstream-unavailable');
    expect(error.retryAfterSeconds).toBe(7);
    expect(error.details).toEqual({ module: 'catalog', upstreamStatus: 429, upstreamCode: 'http/too-many-requests' });
  });
});
