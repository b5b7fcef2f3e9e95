/** The bench module's contract: one GET with a zod path parameter, the route every HTTP target answers. */
import { z } from '@hono/zod-openapi';
import { defineContract } from '../../platform/contracts/index.ts';
import { contractRoute, jsonContent } from '../../platform/http/index.ts';
import { maxNameLength } from '../servers/shared.ts';

export const hello = contractRoute({
  method: 'get',
  path: '/bench/v1/hello/{name}',
  access: 'public',
  tags: ['bench'],
  summary: 'Echo a name (benchmark route)',
  request: { params: z.object({ name: z.string().min(1).max(maxNameLength) }) },
  responses: { 200: { description: 'Hello', content: jsonContent(z.object({ hello: z.string() })) } },
});

/** The same answer behind an access token with `bench:read` (BENCH_AUTH=1 measures the stack with auth on). */
export const secureHello = contractRoute({
  method: 'get',
  path: '/bench/v1/secure/{name}',
  access: { scopes: ['bench:read'] },
  tags: ['bench'],
  summary: 'Echo a name, for a caller holding bench:read (benchmark route)',
  request: { params: z.object({ name: z.string().min(1).max(maxNameLength) }) },
  responses: { 200: { description: 'Hello', content: jsonContent(z.object({ hello: z.string() })) } },
});

export const benchContract = defineContract('bench', { routes: { hello, secureHello } });
