import { mountStaticAssets, type App } from '../../http/index.ts';
import type { OpsSignIn } from './sign-in.ts';

/**
 * The page's Content-Security-Policy: its own script and style only, no inline code, requests to this origin only,
 * no framing, and Trusted Types with no policy, so no string can ever be parsed as HTML by the page's script. What
 * the page shows (payloads, errors) is attacker-supplied text.
 */
export const opsPageCsp = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
].join('; ');

const assets: Record<string, string> = { 'ops.js': 'text/javascript; charset=utf-8', 'ops.css': 'text/css; charset=utf-8' };

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(csrf: string, subject: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Cleave operations</title>
<meta name="csrf-token" content="${escape(csrf)}">
<link rel="stylesheet" href="/ops/assets/ops.css"></head>
<body>
<header><h1>Cleave operations</h1><span id="host"></span><span id="updated"></span>
<label><input type="checkbox" id="pause"> pause refresh</label>
<span>signed in as <code>${escape(subject)}</code></span> <button type="button" id="sign-out">Sign out</button></header>
<h2>Modules and where they run</h2><div id="modules"></div>
<h2>Health</h2><div id="health"></div>
<h2>Event pipeline and resilience</h2><div id="pipeline"></div>
<h2>Dead letters</h2><p id="replay-status" data-testid="replay-status"></p><div id="dead-letters"></div>
<h2>Stuck sagas</h2><div id="sagas"></div>
<h2>Projections (read models)</h2><p id="rebuild-status" data-testid="rebuild-status"></p><div id="projections"></div>
<h2>Retention</h2><div id="retention"></div>
<h2>Traces</h2>
<form id="trace-form"><label>Request id <input id="request-id" name="requestId" size="40" autocomplete="off"></label> <button type="submit">Show trace</button></form>
<div id="trace"></div>
<h2>Cost per module and owner</h2><div id="costs"></div>
<script src="/ops/assets/ops.js"></script>
</body></html>`;
}

/**
 * `GET /ops`: the operations page, for a signed-in operator (others are sent to sign in). The page itself is a shell;
 * its script reads the operator routes with the session cookie and refreshes every few seconds.
 */
export function mountOpsPage(app: App, signIn: OpsSignIn): void {
  app.get('/ops', async (c) => {
    c.header('cache-control', 'no-store');
    const session = await signIn.session(c);
    if (!session) return c.redirect('/ops/sign-in', 303);
    c.header('content-security-policy', opsPageCsp);
    return c.html(page(session.csrf, session.subject));
  });
  app.get('/ops/signed-out', (c) => {
    c.header('content-security-policy', "default-src 'none'; frame-ancestors 'none'");
    return c.html(
      '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Signed out</title></head><body><p>Signed out. <a href="/ops">Sign in again</a></p></body></html>',
    );
  });
  // `no-cache`: a new version of the script is fetched after an upgrade (revalidated, not trusted stale).
  mountStaticAssets(app, {
    path: '/ops/assets/:file',
    types: assets,
    locate: (file) => new URL(`./assets/${file}`, import.meta.url),
    cacheControl: 'no-cache',
  });
}
