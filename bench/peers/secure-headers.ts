/**
 * The security headers every Cleave response carries (Hono's `secureHeaders` defaults, as platform/http sets them),
 * for the peers to send too. The HTTP bench checks that the Cleave target still answers with exactly these, so the
 * list cannot drift from the product unnoticed.
 */
export const secureHeaders: Readonly<Record<string, string>> = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=15552000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-frame-options': 'SAMEORIGIN',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
};
