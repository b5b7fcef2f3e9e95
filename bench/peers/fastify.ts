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
import { announceReady, authOn, countedLog, maxNameLength } from '../servers/shared.ts';
import { createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify, SignJWT } from 'jose';
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

// The same route behind an access token, verified as Cleave verifies it (RFC 8725 checks with jose, ES256 from a
// JWKS, issuer, audience, `typ`, expiry; verified tokens cached until they expire), checked for its scope.
const issuer = 'https://bench.test';
const { publicKey, privateKey } = await generateKeyPair('ES256');
const jwks = createLocalJWKSet({ keys: [{ ...(await exportJWK(publicKey)), kid: 'bench', alg: 'ES256', use: 'sig' }] });
const verified = new Map<string, { scopes: Set<string>; exp: number }>();
const bearer = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

async function authenticate(request: FastifyRequest, reply: FastifyReply) {
  const token = bearer.exec(request.headers.authorization ?? '')?.[1];
  if (!token) return refuse(reply, request, 401, 'auth/unauthenticated', 'This operation needs an access token.');
  let known = verified.get(token);
  if (!known || known.exp <= Date.now() / 1000) {
    if (token.length > 8192 || token.split('.').length !== 3) return refuse(reply, request, 401, 'auth/invalid-token', 'The access token is not valid.');
    try {
      const { payload } = await jwtVerify(token, jwks, {
        algorithms: ['ES256'],
        issuer,
        audience: 'cleave',
        typ: 'at+jwt',
        clockTolerance: 30,
        requiredClaims: ['sub', 'exp', 'iat', 'jti', 'client_id'],
      });
      known = { scopes: new Set(String(payload.scope ?? '').split(' ')), exp: payload.exp as number };
      verified.set(token, known);
    } catch {
      return refuse(reply, request, 401, 'auth/invalid-token', 'The access token is not valid.');
    }
  }
  if (!known.scopes.has('bench:read')) return refuse(reply, request, 403, 'auth/insufficient-scope', 'This operation needs the scope bench:read.');
}

function refuse(reply: FastifyReply, request: FastifyRequest, status: 401 | 403, code: string, detail: string) {
  reply.header('www-authenticate', status === 401 ? 'Bearer realm="cleave", error="invalid_token"' : 'Bearer realm="cleave", error="insufficient_scope"');
  return problem(reply, request, status, code, detail);
}

app.get('/bench/v1/secure/:name', { schema: { params: z.object({ name: z.string().min(1).max(maxNameLength) }) }, preHandler: authenticate }, (request) => ({
  hello: request.params.name,
}));

const token = authOn
  ? await new SignJWT({ scope: 'bench:read', client_id: 'bench' })
      .setProtectedHeader({ alg: 'ES256', kid: 'bench', typ: 'at+jwt' })
      .setIssuer(issuer)
      .setAudience('cleave')
      .setSubject('bench')
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(privateKey)
  : undefined;

await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
if (address === null || typeof address === 'string') throw new Error('Fastify is not listening on a TCP port');
announceReady(address.port, () => app.close(), log, token);
