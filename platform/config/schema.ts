import { z } from 'zod';

const flag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'], {
    error: 'must be one of true, false, 1, 0, yes, no, on, off',
  })
  .transform((v) => ['true', '1', 'yes', 'on'].includes(v));

const positiveInt = (fallback: number) => z.coerce.number({ error: 'must be a number' }).int('must be a whole number').positive('must be greater than 0').default(fallback);

const postgresUrl = z
  .string()
  .refine((v) => /^postgres(ql)?:\/\/[^\s]+$/.test(v), 'must be a postgres:// or postgresql:// URL')
  .optional();

const moduleList = z
  .string()
  .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
  .pipe(z.array(z.string().regex(/^[a-z][a-z0-9-]*$/, 'each module name must be lower-case kebab-case')).min(1, 'must name at least one module'));

/**
 * Every setting Cleave reads, as environment variables. The variable names are the keys; the defaults are what a
 * newcomer gets with nothing set (embedded PGlite under `.data/`, in-process bus, all modules).
 */
export const environmentSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(0).max(65535, 'must be at most 65535').default(3000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
  DATABASE_URL: postgresUrl,
  DATA_DIR: z.string().min(1).default('.data'),
  MODULES: moduleList.optional(),
  BODY_LIMIT_BYTES: positiveInt(1024 * 1024),
  DEMO_DATA: flag.optional(),
  MIGRATE_ON_START: flag.default(true),
  OUTBOX_SWEEP_MS: positiveInt(1000),
  OUTBOX_CLAIM_MS: positiveInt(60_000),
  EVENT_MAX_ATTEMPTS: positiveInt(5),
  EVENT_RETRY_BASE_MS: positiveInt(200),
  EVENT_RETRY_MAX_MS: positiveInt(30_000),
});

export type Environment = z.input<typeof environmentSchema>;
