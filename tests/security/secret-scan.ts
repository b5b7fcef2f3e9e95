import { randomBytes } from 'node:crypto';
import postgres from 'postgres';

/** A secret a journey used, under a name for the report. */
export interface Secret {
  name: string;
  value: string;
}

/** One answer as a client saw it: status, every header, the body; `handsOut` names the secrets it exists to give. */
export interface Seen {
  where: string;
  text: string;
  handsOut: string[];
}

/** Records every answer of a journey as text, to be searched for secrets afterwards. */
export class Answers {
  readonly seen: Seen[] = [];

  /** Reads `response` (status, headers, body) into the record and returns the body parsed as JSON when it is. */
  async record(where: string, response: Response, handsOut: string[] = []): Promise<{ status: number; body: Record<string, unknown> }> {
    const body = await response.text();
    const headers = [...response.headers].map(([k, v]) => `${k}: ${v}`).join('\n');
    this.seen.push({ where, text: `${response.status}\n${headers}\n\n${body}`, handsOut });
    let parsed: Record<string, unknown> = {};
    try {
      parsed = JSON.parse(body) as Record<string, unknown>;
    } catch {
      // HTML and text answers are searched as they are.
    }
    return { status: response.status, body: parsed };
  }
}

/**
 * The secret `value` and the forms it travels in: a JWT's signature on its own (what a truncated token would still
 * show), and base64 of the value.
 */
function forms(secret: Secret): Secret[] {
  const parts = secret.value.split('.');
  const signature = parts.length === 3 && (parts[2] ?? '').length >= 16 ? [{ name: `${secret.name} (signature)`, value: parts[2] as string }] : [];
  return [secret, ...signature];
}

/** Where any of `secrets` appears in `logLines` or `answers` (an answer may show only what it hands out): "<secret> in <where>". */
export function findSecrets(secrets: readonly Secret[], logLines: readonly unknown[], answers: readonly Seen[], output = ''): string[] {
  const finds: string[] = [];
  const all = secrets.flatMap(forms);
  logLines.forEach((line, n) => {
    const text = JSON.stringify(line);
    for (const s of all) if (text.includes(s.value)) finds.push(`${s.name} in log line ${n}: ${text.slice(0, 300)}`);
  });
  for (const answer of answers) {
    for (const s of all) {
      if (answer.handsOut.includes(s.name.replace(/ \(signature\)$/, ''))) continue;
      if (answer.text.includes(s.value)) finds.push(`${s.name} in the answer to ${answer.where}`);
    }
  }
  for (const s of all) if (output.includes(s.value)) finds.push(`${s.name} in the process output at ${output.indexOf(s.value)}`);
  return finds;
}

/**
 * A superuser role with a password on the PostgreSQL server of `serverUrl`, and the URL of `databaseUrl` as that
 * role: a database URL carrying a password, as production ones do. The password is not checked under trust auth;
 * what matters is that it travels through the configuration.
 */
export async function roleWithPassword(serverUrl: string): Promise<{ password: string; urlFor(databaseUrl: string): string; drop(): Promise<void> }> {
  const role = `cleave_secret_${randomBytes(4).toString('hex')}`;
  const password = `db-pa55-${randomBytes(9).toString('hex')}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create role ${role} login superuser password '${password}'`);
  } finally {
    await admin.end();
  }
  return {
    password,
    urlFor(databaseUrl) {
      const url = new URL(databaseUrl);
      url.username = role;
      url.password = password;
      return url.toString();
    },
    async drop() {
      const dropper = postgres(serverUrl, { max: 1, onnotice: () => {} });
      try {
        await dropper.unsafe(`drop role if exists ${role}`);
      } finally {
        await dropper.end();
      }
    },
  };
}
