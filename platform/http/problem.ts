import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { AppEnv } from './app-env.ts';
import { enforceDeclared } from './declared-problems.ts';
import type { ErrorKind } from './errors.ts';
import { visible } from './text-rules.ts';

/** The one table from error kind to HTTP status. Exhaustive: adding a kind without a status fails to compile. */
export const statusByKind = {
  invalid: 422,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  precondition_failed: 412,
  unavailable: 503,
  bad_gateway: 502,
  timeout: 504,
} as const satisfies Record<ErrorKind, number>;

export const problemMediaType = 'application/problem+json';

export const fieldErrorSchema = z
  .object({
    location: z.enum(['body', 'query', 'path', 'header', 'cookie', 'form']),
    path: z.string().openapi({ description: 'Dotted path to the offending field inside its location; empty for the whole location.' }),
    message: z.string().openapi({ description: 'What is wrong, naming the field and what it accepts.' }),
    code: z.string().openapi({
      description:
        'Why: `required`, `unknown_field`, `invalid_characters` (the text rule), `repeated`, or the validator check that failed (`invalid_type`, `too_small`, `too_big`, `invalid_format`, `invalid_value`, `custom`).',
    }),
  })
  .openapi('FieldError');

/** RFC 9457 problem details, extended with a stable `code`, the request id and, for validation, the field errors. */
export const problemSchema = z
  .object({
    type: z.string().openapi({ example: 'urn:cleave:problem:catalog/product-not-found' }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    code: z.string().openapi({ example: 'catalog/product-not-found' }),
    requestId: z.string().optional(),
    errors: z.array(fieldErrorSchema).optional(),
  })
  .catchall(z.unknown())
  .openapi('Problem');

export type Problem = z.infer<typeof problemSchema>;
export type FieldError = z.infer<typeof fieldErrorSchema>;

const titles: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  408: 'Request Timeout',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  417: 'Expectation Failed',
  422: 'Unprocessable Content',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  505: 'HTTP Version Not Supported',
};

export interface ProblemInit {
  status: number;
  code: string;
  detail?: string;
  instance?: string;
  requestId?: string;
  errors?: FieldError[];
  extensions?: Record<string, unknown>;
}

/**
 * `instance` is a URI reference (RFC 9457 §3.1.5), and paths come as the router decoded them (a space, `ü`): every
 * character a URI cannot hold is percent-encoded again (UTF-8), as is a `%` that starts no escape; escapes already
 * there (`%2F`) are kept. A lone surrogate becomes U+FFFD's bytes. Forbidden code points end up escaped with the rest.
 */
export function uriReference(path: string): string {
  return path.replace(/[^A-Za-z0-9\-._~!$&'()*+,;=:@/?#[\]%]|%(?![0-9A-Fa-f]{2})/gu, (c) =>
    c.length === 1 && c >= '\ud800' && c <= '\udfff' ? '%EF%BF%BD' : encodeURIComponent(c),
  );
}

export function problem(init: ProblemInit): Problem {
  return {
    ...init.extensions,
    type: `urn:cleave:problem:${init.code}`,
    title: titles[init.status] ?? 'Error',
    status: init.status,
    code: init.code,
    // Texts that may echo the request are held to the text rule like every string the API speaks.
    ...(init.detail === undefined ? {} : { detail: visible(init.detail) }),
    ...(init.instance === undefined ? {} : { instance: uriReference(init.instance) }),
    ...(init.requestId === undefined ? {} : { requestId: init.requestId }),
    ...(init.errors === undefined ? {} : { errors: init.errors.map((e) => ({ ...e, path: visible(e.path), message: visible(e.message) })) }),
  };
}

/**
 * The problem as a response, built through the request context so headers set earlier in the chain
 * (request id, rate-limit headers) are kept.
 */
export function problemResponse(c: Context<AppEnv>, body: Problem, headers: Record<string, string> = {}): Response {
  const checked = enforceDeclared(c, body);
  c.set('problem', checked.code);
  return c.newResponse(JSON.stringify(checked), checked.status as ContentfulStatusCode, { 'content-type': problemMediaType, ...headers });
}
