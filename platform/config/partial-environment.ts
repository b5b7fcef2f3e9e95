import type { z } from 'zod';
import type { ConfigProblem } from './load-config.ts';
import { environmentSchema } from './schema.ts';

type Environment = z.output<typeof environmentSchema>;

/** Thrown when a check reads a setting that is itself invalid: that check has nothing to say. */
const invalidInput = Symbol('invalid setting read');

/**
 * Parses each setting on its own, so one invalid setting does not hide the others: the result reads like the parsed
 * environment, except that reading an invalid setting stops the check doing it (see `whenValid`). A whole-object
 * parse would run no cross-setting check at all once any single setting failed.
 */
export function parseEachSetting(present: Record<string, string>): { e: Environment; problems: ConfigProblem[] } {
  const values: Record<string, unknown> = {};
  const invalid = new Set<string>();
  const problems: ConfigProblem[] = [];
  for (const [key, schema] of Object.entries(environmentSchema.shape)) {
    const parsed = (schema as z.ZodType).safeParse(present[key]);
    if (parsed.success) values[key] = parsed.data;
    else {
      invalid.add(key);
      for (const issue of parsed.error.issues) problems.push({ variable: [key, ...issue.path.map(String)].join('.'), message: issue.message });
    }
  }
  const e = new Proxy(values, {
    get: (target, key) => {
      if (typeof key === 'string' && invalid.has(key)) throw invalidInput;
      return target[key as string];
    },
  }) as Environment;
  return { e, problems };
}

/** Runs one check (or builds one part) unless it reads a setting that is invalid; returns undefined then. */
export function whenValid<T>(check: () => T): T | undefined {
  try {
    return check();
  } catch (error) {
    if (error === invalidInput) return undefined;
    throw error;
  }
}
