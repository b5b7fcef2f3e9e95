import { readFile } from 'node:fs/promises';
import type { App } from './create-app.ts';

export interface StaticAssets {
  /** The route, with `:file` for the file name, e.g. `/docs/assets/:file`. */
  path: string;
  /** The files served, by name, with their content type; any other name is 404. */
  types: Readonly<Record<string, string>>;
  /** Where a file lies (a path or a `file:` URL). */
  locate(file: string): string | URL;
  cacheControl: string;
}

/** Serves a fixed set of files shipped with Cleave, read once and kept in memory. */
export function mountStaticAssets(app: App, assets: StaticAssets): void {
  const cache = new Map<string, Uint8Array>();
  app.get(assets.path, async (c) => {
    const file = c.req.param('file') ?? '';
    const type = assets.types[file];
    if (!type) return c.notFound();
    let body = cache.get(file);
    if (!body) {
      body = new Uint8Array(await readFile(assets.locate(file)));
      cache.set(file, body);
    }
    c.header('content-type', type);
    c.header('cache-control', assets.cacheControl);
    return c.body(body as Uint8Array<ArrayBuffer>);
  });
}
