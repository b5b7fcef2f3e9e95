import type { App } from '../http/index.ts';
import type { HostLinks } from './links.ts';

const escape = (text: string) => text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);

function page(links: HostLinks): string {
  const item = (href: string, label: string) => `<li><a href="${escape(href)}">${escape(label)}</a> <code>${escape(href)}</code></li>`;
  const modules = Object.entries(links.modules).map(([name, m]) => item(m.api, `${name} API`) + item(m.openapi, `${name} OpenAPI`));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Cleave</title></head>
<body><h1>Cleave</h1><ul>
${[item(links.docs, 'API reference'), item(links.openapi, 'OpenAPI 3.1, every module'), ...modules, item(links.health, 'Readiness'), item(links.operations, 'Operations page'), item(links.registry, 'Service catalog'), item(links.deadLetters, 'Dead letters')].join('\n')}
</ul></body></html>`;
}

/**
 * `/`: where to go from here, as JSON links (`application/json`) or, for a browser, a small page of them; and
 * `/docs/` sends the trailing-slash spelling to `/docs`.
 */
export function mountIndex(app: App, links: HostLinks): void {
  app.get('/', (c) => {
    c.header('vary', 'accept');
    const accept = c.req.header('accept') ?? '';
    if (/text\/html/.test(accept) && !/^application\/json/.test(accept)) {
      c.header('content-security-policy', "default-src 'none'; frame-ancestors 'none'");
      return c.html(page(links));
    }
    return c.json({ name: 'Cleave', links });
  });
  app.get('/docs/', (c) => c.redirect('/docs', 308));
}
