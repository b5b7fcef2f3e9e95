import { describe, expect, it } from 'vitest';
import { testLogger } from '../../tests/support/test-host.ts';
import { createApp } from '../http/index.ts';
import { defaultRollout } from '../registry/rollout-store.ts';
import { canaryRouting, canarySide, stickyPoint } from './canary.ts';

const at = (weight: number, sticky = false) => ({ ...defaultRollout, weight, sticky });

describe('canary side', () => {
  it('is exact at 0 and 100, whatever the draw', () => {
    for (const draw of [0, 0.5, 0.999999]) {
      expect(canarySide(at(0), 'inventory', undefined, undefined, () => draw)).toBe('local');
      expect(canarySide(at(100), 'inventory', undefined, undefined, () => draw)).toBe('canary');
    }
  });

  it('sends a draw below the weight to the canary', () => {
    expect(canarySide(at(10), 'inventory', undefined, undefined, () => 0.0999)).toBe('canary');
    expect(canarySide(at(10), 'inventory', undefined, undefined, () => 0.1)).toBe('local');
  });

  it('lets the cohort header override the weight, and ignores any other value', () => {
    expect(canarySide(at(0), 'inventory', 'always', undefined, () => 0.99)).toBe('canary');
    expect(canarySide(at(100), 'inventory', 'never', undefined, () => 0)).toBe('local');
    expect(canarySide(at(0), 'inventory', 'sometimes', undefined, () => 0)).toBe('local');
  });

  it('keeps a sticky client on one side, and on the canary as the weight grows', () => {
    const clients = Array.from({ length: 2000 }, (_, i) => `user-${i}`);
    for (const client of clients) {
      const sides = [0, 1, 2].map(() => canarySide(at(30, true), 'inventory', undefined, client));
      expect(new Set(sides).size).toBe(1);
      if (sides[0] === 'canary') expect(canarySide(at(60, true), 'inventory', undefined, client)).toBe('canary');
    }
    // The points spread evenly: about 30 % of clients land on the canary at weight 30 (4.5 σ bounds).
    const share = clients.filter((c) => canarySide(at(30, true), 'inventory', undefined, c) === 'canary').length;
    expect(Math.abs(share - 600)).toBeLessThan(4.5 * Math.sqrt(2000 * 0.3 * 0.7));
  });

  it('places a client independently per module, and a sticky rollout without a client key draws', () => {
    expect(stickyPoint('inventory', 'user-1')).not.toBe(stickyPoint('catalog', 'user-1'));
    expect(canarySide(at(50, true), 'inventory', undefined, undefined, () => 0.2)).toBe('canary');
    expect(canarySide(at(50, true), 'inventory', undefined, undefined, () => 0.7)).toBe('local');
  });
});

describe('canary routing', () => {
  const forwarded: string[] = [];
  const app = createApp({ logger: testLogger(), bodyLimitBytes: 1024 });
  app.use(
    '/things/*',
    canaryRouting({
      module: 'things',
      setting: () => ({ ...defaultRollout, weight: 100 }),
      header: 'x-cleave-cohort',
      stickyKey: { from: 'subject' },
      forward: async (c) => {
        forwarded.push(c.req.method);
        return c.json({ side: 'canary' });
      },
      log: testLogger(),
    }),
  );
  app.get('/things/v1/item', (c) => c.json({ side: 'local' }));
  // A Web Request cannot be made with TRACE; @hono/node-server makes one as GET and reports TRACE, as here.
  const withMethod = (method: string) => {
    const request = new Request('http://host/things/v1/item');
    Object.defineProperty(request, 'method', { get: () => method });
    return request;
  };

  it('sends the whole share to the canary at 100 %', async () => {
    expect(await (await app.request('/things/v1/item')).json()).toEqual({ side: 'canary' });
    expect(forwarded).toEqual(['GET']);
  });

  it('answers what the gateway cannot forward (TRACE, TRACK) here: the same 405 on either side, nothing forwarded', async () => {
    forwarded.length = 0;
    for (const method of ['TRACE', 'TRACK']) {
      const response = await app.fetch(withMethod(method));
      expect(response.status).toBe(405);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
    }
    expect(forwarded).toEqual([]);
  });
});
