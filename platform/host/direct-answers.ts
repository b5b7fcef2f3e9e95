/** The direct path's answers: validation and the handler, problems as HTTP maps them, stored and replayed answers. */
import { HeaderList, isProblem, RemoteProblemError, type CallResult } from '../contracts/index.ts';
import { isDomainError, problem, type Problem } from '../http/index.ts';
import { enforceDeclared } from '../http/declared-problems.ts';
import { DirectContext, isDirectAnswer, type DirectAnswer } from '../http/direct-context.ts';
import { asCallerError, databaseUnavailable, problemFromError } from '../http/error-handler.ts';
import { validateRequest, type RawRequest } from '../http/request-validation.ts';
import { jsonCopy } from '../http/json-copy.ts';
import { replayedHeader, type StoredResponse } from '../idempotency/index.ts';
import type { Flight } from './direct-flight.ts';

export function internalProblem(): Problem {
  return problem({ status: 500, code: 'http/internal', detail: 'An unexpected error occurred. Quote the request id when reporting it.' });
}

/** Validation, then the handler; whatever it throws becomes the problem HTTP would answer. */
export function respond(flight: Flight): DirectAnswer | Promise<DirectAnswer> {
  const raw: RawRequest = {
    param: flight.params,
    query: flight.query,
    header: flight.headers,
    json: flight.body,
  };
  const validated = validateRequest(flight.call.route.request, raw);
  if ('problem' in validated) {
    const { status, code, detail, errors } = validated.problem;
    return problemAnswer(flight, problem({ status, code, detail, errors }));
  }
  flight.valid = validated.data;
  let out: unknown;
  try {
    out = flight.handler(new DirectContext(flight));
  } catch (error) {
    return errorAnswer(flight, error);
  }
  if (out instanceof Promise)
    return out.then(
      (value: unknown) => answerOf(flight, value),
      (error: unknown) => errorAnswer(flight, error),
    );
  return answerOf(flight, out);
}

function answerOf(flight: Flight, out: unknown): DirectAnswer {
  if (isDirectAnswer(out)) return out;
  const error = new Error(
    `The handler of ${flight.method} ${flight.call.route.path} answered without c.json() or c.body(), which the direct in-process path cannot carry.`,
  );
  return errorAnswer(flight, error);
}

/** The problem for what a handler threw, logged as the HTTP error handler logs it. */
function errorAnswer(flight: Flight, thrown: unknown): DirectAnswer {
  const error = asCallerError(thrown);
  const mapped = problemFromError(error, mapperContext(flight) as never);
  const known = isDomainError(error) ? error : undefined;
  const log = flight.logger;
  const fields = { requestId: flight.requestId, operation: flight.metadata?.contract.operation, code: mapped.code };
  if (mapped.status >= 500 && !known) log.error({ err: error, ...fields }, 'call failed');
  else if (mapped.code === databaseUnavailable) log.warn({ err: thrown, ...fields }, 'call failed: the database was busy or out of reach');
  else if (mapped.status >= 500) log.warn({ ...fields, detail: mapped.detail }, 'call failed upstream');
  else if (log.isLevelEnabled('debug')) log.debug({ ...fields, detail: mapped.detail }, 'call rejected');
  const answer = problemAnswer(flight, mapped);
  const retryAfter = mapped.status === 503 ? known?.retryAfterSeconds : undefined;
  if (retryAfter !== undefined) answer.headers.push(['retry-after', String(Math.max(1, Math.ceil(retryAfter)))]);
  return answer;
}

/** What `problemFromError` and `enforceDeclared` read of a Hono context. */
function mapperContext(flight: Flight) {
  const vars: Record<string, unknown> = {
    requestId: flight.requestId,
    route: flight.metadata?.contract,
    logger: flight.logger,
    undeclaredProblems: flight.options.undeclaredProblems,
  };
  return { req: { path: flight.path() }, get: (name: string) => vars[name] };
}

export function problemAnswer(flight: Flight, body: Problem): DirectAnswer {
  const complete: Problem = { ...body, instance: body.instance ?? flight.path(), requestId: body.requestId ?? flight.requestId };
  const checked = enforceDeclared(mapperContext(flight) as never, complete);
  return { direct: true, status: checked.status, body: checked, headers: [['content-type', 'application/problem+json']] };
}

/** An answer as the `Idempotency-Key` store keeps it: the JSON text HTTP would have sent. */
export function snapshot(answer: DirectAnswer): StoredResponse {
  const headers = answer.headers.filter(([name]) => replayedHeader(name));
  const hasBody = answer.body !== undefined && answer.body !== null;
  if (hasBody && !headers.some(([name]) => name === 'content-type')) headers.unshift(['content-type', 'application/json']);
  return { status: answer.status, headers, body: hasBody ? JSON.stringify(answer.body) : '' };
}

export function replay(flight: Flight, stored: StoredResponse): CallResult {
  const type = stored.headers.find(([name]) => name === 'content-type')?.[1] ?? '';
  const body: unknown = stored.body !== '' && type.includes('json') ? JSON.parse(stored.body) : undefined;
  return result(flight, { direct: true, status: stored.status, body, headers: [...stored.headers, ['idempotent-replayed', 'true']] });
}

/** A success as the caller's result (a copy with JSON semantics); a problem raised as HTTP would raise it. */
export function result(flight: Flight, answer: DirectAnswer): CallResult {
  const module = flight.module;
  const body = answer.body === undefined || answer.body === null ? undefined : jsonCopy(answer.body);
  if (answer.status >= 200 && answer.status < 300) {
    const headers = answer.headers;
    if (body !== undefined && !headers.some(([name]) => name === 'content-type')) headers.push(['content-type', 'application/json']);
    const deprecation = flight.metadata?.deprecation;
    if (deprecation) {
      headers.push(['deprecation', deprecation.deprecation], ['sunset', deprecation.sunset]);
      if (deprecation.link) headers.push(['link', deprecation.link]);
    }
    return { status: answer.status, body, headers: new HeaderList(headers) };
  }
  const retryAfter = answer.headers.find(([name]) => name === 'retry-after')?.[1];
  throw new RemoteProblemError(
    module,
    isProblem(body) ? body : problem({ status: answer.status, code: 'http/upstream' }),
    retryAfter === undefined ? undefined : Number(retryAfter),
  );
}
