import type { Hook } from '@hono/zod-openapi';
import type { z } from 'zod';
import { problem, problemResponse, type FieldError } from './problem.ts';
import type { AppEnv } from './app-env.ts';

const locations: Record<string, FieldError['location']> = {
  json: 'body',
  form: 'form',
  query: 'query',
  param: 'path',
  header: 'header',
  cookie: 'cookie',
};

/** Turns zod issues into one field error each, keeping where in the request the field was. */
export function fieldErrors(error: z.ZodError, target: string): FieldError[] {
  const location = locations[target] ?? 'body';
  return error.issues.map((issue) => ({
    location,
    path: issue.path.map(String).join('.'),
    message: issue.message,
    code: issue.code,
  }));
}

/** The zod-openapi `defaultHook`: a failed validation becomes a 400 problem listing every offending field. */
export const validationHook: Hook<unknown, AppEnv, string, unknown> = (result, c) => {
  if (result.success) return;
  const errors = fieldErrors(result.error as z.ZodError, result.target);
  return problemResponse(
    c,
    problem({
      status: 400,
      code: 'http/validation-failed',
      detail: `The request has ${errors.length} invalid field${errors.length === 1 ? '' : 's'}.`,
      instance: c.req.path,
      requestId: c.get('requestId'),
      errors,
    }),
  );
};
