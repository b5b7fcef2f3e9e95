import { CleaveError, type ErrorKind } from '../http/errors.ts';
import type { Problem } from '../http/problem.ts';

/** A problem response from another module, re-raised in the caller with the provider's code and kind. */
export class RemoteProblemError extends CleaveError {
  readonly module: string;
  readonly problem: Problem;

  constructor(module: string, problem: Problem, retryAfterSeconds?: number) {
    // The provider's own failure (500, or its 502) is, to this caller, an upstream failure: the provider's code
    // would name a problem this caller's operation does not have.
    const failed = problem.status >= 500 && problem.status !== 503 && problem.status !== 504;
    // A provider limiting this host's calls (429) is, to this caller's client, a module that cannot serve now (503,
    // its Retry-After kept): the client did not exceed anything, and a 4xx would tell it not to retry.
    const limited = problem.status === 429;
    const code = failed ? 'http/upstream-failed' : limited ? 'http/upstream-unavailable' : problem.code;
    super(kindForStatus(problem.status), code, problem.detail ?? problem.title, {
      details: { module, upstreamStatus: problem.status, ...(failed || limited ? { upstreamCode: problem.code } : {}) },
      retryAfterSeconds,
    });
    this.name = 'RemoteProblemError';
    this.module = module;
    this.problem = problem;
  }
}

function kindForStatus(status: number): ErrorKind {
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 409) return 'conflict';
  if (status === 412) return 'precondition_failed';
  if (status === 429) return 'unavailable';
  if (status === 503) return 'unavailable';
  if (status === 504) return 'timeout';
  // The provider failed (500) or its own upstream did (502): to this caller it is a bad gateway.
  if (status >= 500) return 'bad_gateway';
  return 'invalid';
}

