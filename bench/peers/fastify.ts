/**
 * The peer of the full Cleave stack: Fastify 5 with the same features on the same route, written as a Fastify user
 * would. One pino line per request (Cleave's logger settings, into /dev/null), the request id taken from
 * `X-Request-Id` when it is safe and echoed, zod validation of the path through fastify-type-provider-zod, the same
 * 11 security headers, and RFC 9457 problem+json for validation errors, unknown routes and failures.
 * Like Cleave, the response is not validated against a schema (no serializer compiler): JSON.stringify both.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { fastify, LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createLogger } from '../../platform/observability/index.ts';
import { announceReady, countedLog, maxNameLength } from '../servers/shared.ts';
import { secureHeaders } from './secure-headers.ts';

const log = countedLog();
const logger = createLogger({ level: 'info', format: 'json', destination: log.destination });

/** One line per response, as Cleave's request logging writes it, instead of Fastify's two (incoming, completed). */
class OneLinePerRequest extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const line = { method: request.method, path: request.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 100) / 100 };
    if (error) reply.log.error({ ...line, err: error }, 'request');
    else reply.log.info(line, 'request');
  }
}

const safeId = /^[\w\-=]{1,128}$/;

const app = fastify({
  loggerInstance: logger,
  logController: new OneLinePerRequest({ requestIdLogLabel: 'requestId' }),
  requestIdHeader: false,
  genReqId: (req: IncomingMessage) => {
    const given = req.headers['x-request-id'];
    return typeof given === 'string' && safeId.test(given) ? given : randomUUID();
  },
}).withTypeProvider<ZodTypeProvider>();
app.setValidatorCompiler(validatorCompiler);

app.addHook('onRequest', (request, reply, done) => {
  reply.header('x-request-id', request.id);
  reply.headers(secureHeaders);
  done();
});

const titles: Record<number, string> = { 400: 'Bad Request', 404: 'Not Found', 500: 'Internal Server Error' };
const locations: Record<string, string> = { params: 'path', querystring: 'query', body: 'body', headers: 'header' };

function problem(reply: FastifyReply, request: FastifyRequest, status: number, code: string, detail: string, extra: Record<string, unknown> = {}) {
  const body = {
    type: `urn:cleave:problem:${code}`,
    title: titles[status] ?? 'Error',
    status,
    code,
    detail,
    instance: request.url,
    requestId: request.id,
    ...extra,
  };
  return reply.code(status).type('application/problem+json').send(body);
}

app.setErrorHandler((error, request, reply) => {
  if (hasZodFastifySchemaValidationErrors(error)) {
    const location = locations[error.validationContext ?? ''] ?? 'body';
    const errors = error.validation.map((issue) => ({
      location,
      path: issue.instancePath.slice(1).replaceAll('/', '.'),
      message: issue.message,
      code: issue.keyword,
    }));
    const detail = `The request has ${errors.length} invalid field${errors.length === 1 ? '' : 's'}.`;
    return problem(reply, request, 400, 'http/validation-failed', detail, { errors });
  }
  request.log.error({ err: error }, 'request failed');
  return problem(reply, request, 500, 'http/internal', 'An unexpected error occurred. Quote the request id when reporting it.');
});

app.setNotFoundHandler((request, reply) => problem(reply, request, 404, 'http/not-found', `No route matches ${request.method} ${request.url}.`));

app.get('/bench/v1/hello/:name', { schema: { params: z.object({ name: z.string().min(1).max(maxNameLength) }) } }, (request) => ({
  hello: request.params.name,
}));

await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
if (address === null || typeof address === 'string') throw new Error('Fastify is not listening on a TCP port');
announceReady(address.port, () => app.close(), log);
