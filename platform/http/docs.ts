import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { App } from './create-app.ts';
import { mountStaticAssets } from './static-assets.ts';

const assets: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
};

/**
 * Serves the API reference UI (Swagger UI, from the `swagger-ui-dist` package) at `/docs`, with every asset served
 * locally, so the page works on a machine without internet access.
 */
export function mountDocs(app: App, specUrl: string): void {
  const root = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  const csp = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'";

  app.get('/docs', (c) => {
    c.header('content-security-policy', csp);
    return c.html(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Cleave API reference</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script></body></html>`);
  });
  app.get('/docs/init.js', (c) => {
    c.header('content-type', 'text/javascript; charset=utf-8');
    return c.body(`window.ui = SwaggerUIBundle({ url: ${JSON.stringify(specUrl)}, dom_id: '#swagger-ui', deepLinking: true });\n`);
  });
  mountStaticAssets(app, { path: '/docs/assets/:file', types: assets, locate: (file) => join(root, file), cacheControl: 'public, max-age=86400' });
}
