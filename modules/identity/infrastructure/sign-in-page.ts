const escapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escape = (value: string) => value.replace(/[&<>"']/g, (c) => escapes[c] as string);

/** Headers of the sign-in page: no caching, no framing, no script, nothing loaded from elsewhere. */
export const signInPageHeaders = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
};

/**
 * The authorization endpoint's sign-in page: the client's request travels in hidden fields (every value escaped),
 * the user types a name and password, the form posts back to the same endpoint.
 */
export function signInPage(options: { clientName: string; scope: string | undefined; params: Record<string, string | undefined>; message?: string }): string {
  const hidden = Object.entries(options.params)
    .filter((e): e is [string, string] => e[1] !== undefined)
    .map(([name, value]) => `<input type="hidden" name="${escape(name)}" value="${escape(value)}">`)
    .join('\n      ');
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Sign in · Cleave</title>
    <style>body{font:16px system-ui,sans-serif;max-width:22rem;margin:4rem auto;padding:0 1rem}label{display:block;margin:.8rem 0 .2rem}input[type=text],input[type=password]{width:100%;padding:.4rem;box-sizing:border-box}button{margin-top:1rem;padding:.5rem 1rem}.error{color:#b00020}</style>
  </head>
  <body>
    <h1>Sign in</h1>
    <p>${escape(options.clientName)} asks to act for you${options.scope ? ` with: ${escape(options.scope)}` : ''}.</p>
    ${options.message ? `<p class="error" role="alert">${escape(options.message)}</p>` : ''}
    <form method="post" action="/identity/v1/authorize">
      ${hidden}
      <label for="username">User name</label>
      <input id="username" name="username" type="text" autocomplete="username" required autofocus>
      <label for="password">Password</label>
      <input id="password" name="password" type="password" autocomplete="current-password" required>
      <button type="submit">Sign in</button>
    </form>
  </body>
</html>
`;
}
