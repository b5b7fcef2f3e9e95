import { z } from '@hono/zod-openapi';
import { defineContract } from '../../../platform/contracts/index.ts';
import { contractRoute, jsonContent } from '../../../platform/http/index.ts';

const params = z.object({ ref: z.string().regex(/^[A-Za-z0-9-]{1,80}$/), step: z.string().regex(/^[a-z-]{1,40}$/) });
const body = z.object({ fault: z.string().max(40).optional() });
const effect = z.object({ ref: z.string(), step: z.string(), effects: z.number().int(), compensations: z.number().int(), voided: z.boolean() });

/**
 * The contract of a test-only saga participant named `name`: apply an effect for (ref, step), undo it, list them.
 * Only `caller` may change anything (as itself, the way a saga's runner calls: no end user).
 */
export function counterContract<N extends 'rooms' | 'payments'>(name: N, caller: string) {
  const write = { scopes: [`${name}:write`], modules: [caller] };
  return defineContract(name, {
    routes: {
      apply: contractRoute({
        method: 'post',
        path: `/${name}/v1/effects/{ref}/{step}`,
        access: write,
        tags: [name],
        summary: 'Apply the effect of one saga step (counted)',
        request: { params, body: { content: jsonContent(body), required: true } },
        errors: { 409: [`${name}/declined`], 503: [`${name}/unavailable`] },
        responses: { 200: { description: 'Applied (or refused silently: compensated before it came)', content: jsonContent(effect) } },
      }),
      undo: contractRoute({
        method: 'post',
        path: `/${name}/v1/effects/{ref}/{step}/undo`,
        access: write,
        tags: [name],
        summary: 'Undo it: counted once when it was applied; voids a later apply when it was not',
        request: { params, body: { content: jsonContent(body), required: true } },
        errors: { 503: [`${name}/unavailable`] },
        responses: { 200: { description: 'Undone', content: jsonContent(effect) } },
      }),
      list: contractRoute({
        method: 'get',
        path: `/${name}/v1/effects`,
        access: { scopes: [`${name}:read`] },
        tags: [name],
        summary: 'Every effect, for the test to count',
        responses: { 200: { description: 'Effects', content: jsonContent(z.object({ items: z.array(effect) })) } },
      }),
    },
  });
}

export type CounterContract = ReturnType<typeof counterContract>;
export type Effect = z.infer<typeof effect>;
