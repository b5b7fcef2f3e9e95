/**
 * Classifies every difference between a contract file at a baseline and as the code generates it now: `breaking`
 * (a client or consumer built against the baseline stops working) or `compatible`. Pure: documents in, findings out.
 *
 * Breaking: a removed operation or event; a removed or maybe-absent response or event field; a new required input
 * (body field, query, header or path parameter); a narrowed input (type, enum value removed, stricter bounds,
 * pattern or format, unknown fields now rejected); a changed type of a response or event field; a success status
 * removed. Compatible: new operations, events and event versions, new optional inputs, new response or event fields,
 * widened inputs, added enum values, error statuses, deprecations, and removing an operation past its sunset date.
 * A breaking change ships as a new version beside the old (`/<module>/v<N+1>/…`, or `defineEvent` version N+1):
 * the new one is compatible by itself, and the old one is compared as usual, so it must not break.
 */
import { classifyAsyncApi } from './classify-asyncapi.ts';
import { classifyOpenApi } from './classify-openapi.ts';
import type { Severity } from './schema-diff.ts';

export type { Severity } from './schema-diff.ts';
export { classifyOpenApi } from './classify-openapi.ts';
export { classifyAsyncApi } from './classify-asyncapi.ts';

/** One classified difference, e.g. breaking · catalog · `GET /catalog/v1/products/{id}` · `response field "price.currency" removed`. */
export interface Finding {
  severity: Severity;
  /** The module whose contract changed, or `platform` for the platform's own routes. */
  module: string;
  /** `GET /catalog/v1/products/{id}` or `event catalog.product-created@v1`. */
  subject: string;
  message: string;
}

export interface ClassifyOptions {
  /** Which paths to compare (default all); the merged document is compared for the platform's routes only. */
  include?: (path: string) => boolean;
  /** "Now", for sunset dates (default the current time). */
  now?: Date;
}

/**
 * Classifies the change of one contract file, by its kind (`.json` OpenAPI, `.yaml` AsyncAPI). `before` is
 * undefined for a file new since the baseline, `after` for one no longer generated.
 */
export function classifyContract(module: string, file: string, before: unknown, after: unknown, options: ClassifyOptions = {}): Finding[] {
  return file.endsWith('.yaml') ? classifyAsyncApi(module, before, after) : classifyOpenApi(module, before, after, options);
}
