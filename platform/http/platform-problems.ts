/**
 * The problems the platform itself answers with, by status and code, and which of them an operation can get.
 * `contractRoute` adds these to every operation's declared responses, beside the route's own, so the OpenAPI
 * document lists every status and code an operation can answer with.
 */

export const upstreamCodes = {
  unavailable: ['http/upstream-unavailable', 'http/no-instance', 'http/circuit-open', 'http/upstream-saturated', 'host/module-unavailable'],
  timeout: ['http/upstream-timeout'],
  failed: ['http/upstream-failed'],
} as const;

export type ProblemDeclaration = Readonly<Partial<Record<number, readonly string[]>>>;

export interface OperationShape {
  method: string;
  path: string;
  hasInput: boolean;
  /** The body the operation reads, if any. */
  body: 'json' | 'form' | undefined;
  /** Whether it takes `Idempotency-Key` (see `takesIdempotencyKey`; a route may decline). */
  keyed: boolean;
  ifMatchRequired: boolean;
  /** The operation is not public: it may answer 401 and 403. */
  authenticated?: boolean;
  /** The operation checks a credential: its strict rate limit fails closed (503) when the limit store is down. */
  credentials?: boolean;
}

/** The methods that change state: they take `Idempotency-Key`, and only they pass through the idempotency gate. */
export const unsafeMethodNames = ['POST', 'PUT', 'PATCH', 'DELETE'] as const;
const unsafeMethods = new Set(unsafeMethodNames.map((m) => m.toLowerCase()));

export function isUnsafe(method: string): boolean {
  return unsafeMethods.has(method.toLowerCase());
}

/**
 * A module's operations live under `/<module>/v<N>/` (`defineContract` enforces it); they can be served from
 * another process behind the gateway, and take `Idempotency-Key`. The platform's own (`/ops`, `/registry`) cannot.
 */
export function isModuleOperation(path: string): boolean {
  return /^\/[a-z][a-z0-9-]*\/v\d+\//.test(path);
}

/** Whether an operation accepts `Idempotency-Key`: every unsafe operation of a module. */
export function takesIdempotencyKey(method: string, path: string): boolean {
  return isUnsafe(method) && isModuleOperation(path);
}

/** The statuses and codes the platform may answer an operation with. */
export function platformProblems(op: OperationShape): ProblemDeclaration {
  const unsafe = isUnsafe(op.method);
  const keyed = op.keyed;
  const declared: Record<number, string[]> = { 500: ['http/internal'] };
  if (op.hasInput || keyed) declared[400] = ['http/validation-failed'];
  if (op.body) declared[400] = ['http/validation-failed', op.body === 'form' ? 'http/malformed-form' : 'http/malformed-json'];
  // An unsafe operation that reads no body refuses one other than `{}` (see `noBody`).
  else if (unsafe) declared[400] = ['http/validation-failed', 'http/malformed-json'];
  if (unsafe) {
    // Any unsafe request may carry a body: too large, or of another type, even where the operation reads none.
    declared[413] = ['http/payload-too-large'];
    declared[415] = ['http/unsupported-media-type'];
    // A body still arriving when the server's request timeout (`REQUEST_TIMEOUT_MS`) ends the wait for it (Node).
    declared[408] = ['http/request-timeout'];
  }
  if (op.ifMatchRequired) declared[428] = ['http/precondition-required'];
  // Rate limits: per client IP on every request, per client once authenticated (see `rateLimit`).
  declared[429] = ['http/too-many-requests'];
  if (op.authenticated) {
    declared[401] = ['auth/unauthenticated', 'auth/invalid-token'];
    // The operations page's session cookie may stand in for a token on `/ops/`: a change needs its CSRF token too.
    declared[403] = unsafe && op.path.startsWith('/ops/') ? ['auth/insufficient-scope', 'auth/csrf-refused'] : ['auth/insufficient-scope'];
  }
  if (keyed) {
    declared[409] = ['http/idempotency-key-in-use'];
    declared[422] = ['http/idempotency-key-reused'];
  }
  if (isModuleOperation(op.path)) {
    declared[502] = [...upstreamCodes.failed];
    declared[503] = [...upstreamCodes.unavailable];
    declared[504] = [...upstreamCodes.timeout];
  }
  // A module's operation, or an operator's, reads or writes a database: a lock or statement timeout, a serialization
  // failure or a lost connection is a 503 to try again (`asCallerError`).
  if (isModuleOperation(op.path) || op.path.startsWith('/ops/')) declared[503] = [...(declared[503] ?? []), 'db/unavailable'];
  if (op.credentials) declared[503] = [...(declared[503] ?? []), 'http/rate-limit-unavailable'];
  return declared;
}

/** Both declarations together, codes merged per status. */
export function mergeProblems(...declarations: ProblemDeclaration[]): Record<number, string[]> {
  const merged: Record<number, string[]> = {};
  for (const declaration of declarations) {
    for (const [status, codes] of Object.entries(declaration)) {
      const key = Number(status);
      merged[key] = [...new Set([...(merged[key] ?? []), ...(codes ?? [])])];
    }
  }
  return merged;
}
