/** How a direct call's input is shaped as HTTP would deliver it: the path Hono reads, strings for parameters and headers, the query. */
import type { RouteConfig } from '@hono/zod-openapi';
import { routePath } from '../contracts/index.ts';

/** The path as Hono reads it from the URL the HTTP client would send (percent-decoded where `decodeURI` decodes). */
export function pathOf(route: RouteConfig, params: Record<string, string>): string {
  const encoded = routePath(route, params);
  try {
    return decodeURI(encoded);
  } catch {
    return encoded;
  }
}

/** Path parameters and headers travel as strings: what the provider validates is what HTTP would deliver. */
export function strings(values: unknown, lowerCase = false): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof values !== 'object' || values === null) return out;
  for (const [key, value] of Object.entries(values)) if (value !== undefined) out[lowerCase ? key.toLowerCase() : key] = String(value);
  return out;
}

/** Query values as the HTTP validator reads them: a repeated name gives an array, a single one a string. */
export function queryOf(values: unknown): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  if (typeof values !== 'object' || values === null) return out;
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined || value === null) continue;
    const list = (Array.isArray(value) ? value : [value]).map(String);
    if (list.length > 0) out[key] = list.length === 1 ? (list[0] as string) : list;
  }
  return out;
}

/** The query string the HTTP client would build, for `Idempotency-Key` fingerprints that match across paths. */
export function searchOf(query: Record<string, string | string[]>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) for (const v of Array.isArray(value) ? value : [value]) params.append(key, v);
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}
