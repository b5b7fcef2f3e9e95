import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import type { ConfigProblem } from './load-config.ts';
import type { environmentSchema } from './schema.ts';
import { whenValid } from './partial-environment.ts';

/** PEM text read from the files the `*_FILE` settings name, at start-up. */
export interface TlsConfig {
  /** HTTPS for this host; with `clientCa`, mutual TLS: a peer without a certificate signed by it is refused. */
  server: { cert: string; key: string; clientCa: string | undefined } | undefined;
  /**
   * Calls to modules in other processes (module clients and the gateway): the CA their certificates are verified
   * against (the system's when unset), the client certificate presented, and whether `http://` addresses are refused.
   */
  remote: { ca: string | undefined; cert: string | undefined; key: string | undefined; requireTls: boolean };
  /** The CA a `rediss://` server is verified against (the system's when unset). */
  redisCa: string | undefined;
  /** The CA PostgreSQL is verified against, host name included (`sslmode=verify-full` with this CA). */
  databaseCa: string | undefined;
}

type Settings = z.output<typeof environmentSchema>;

/** Reads the certificate and key files and checks that what is configured goes together. */
export function tlsSettings(e: Settings, databaseUrls: string[], problems: ConfigProblem[]): TlsConfig {
  const read = (variable: keyof Settings, kind: 'CERTIFICATE' | 'PRIVATE KEY') => readPem(variable, e[variable] as string | undefined, kind, problems);
  pair(e, 'TLS_CERT_FILE', 'TLS_KEY_FILE', problems);
  pair(e, 'REMOTE_CLIENT_CERT_FILE', 'REMOTE_CLIENT_KEY_FILE', problems);
  const cert = read('TLS_CERT_FILE', 'CERTIFICATE');
  const key = read('TLS_KEY_FILE', 'PRIVATE KEY');
  matches('TLS_CERT_FILE', cert, 'TLS_KEY_FILE', key, problems);
  const clientCa = read('TLS_CLIENT_CA_FILE', 'CERTIFICATE');
  if (e.TLS_CLIENT_CA_FILE && !e.TLS_CERT_FILE)
    problems.push({ variable: 'TLS_CLIENT_CA_FILE', message: 'needs TLS_CERT_FILE and TLS_KEY_FILE (mutual TLS is TLS)' });
  // Checks reading a setting that may itself be invalid run only when it is valid (partial-environment.ts).
  whenValid(() => {
    if (e.TLS_REQUIRE_CLIENT_CERT && !e.TLS_CLIENT_CA_FILE) {
      problems.push({ variable: 'TLS_REQUIRE_CLIENT_CERT', message: 'needs TLS_CLIENT_CA_FILE: the CA client certificates must be signed by' });
    }
    if (e.TLS_CLIENT_CA_FILE && e.TLS_REQUIRE_CLIENT_CERT === false) {
      // An optional client certificate would be checked by nobody: the CA is only used to refuse peers.
      problems.push({ variable: 'TLS_REQUIRE_CLIENT_CERT', message: 'cannot be false with TLS_CLIENT_CA_FILE: unset TLS_CLIENT_CA_FILE to accept any client' });
    }
  });
  const requireTls = whenValid(() => e.REMOTE_REQUIRE_TLS ?? false) ?? false;
  whenValid(() => {
    for (const [module, address] of requireTls ? Object.entries(e.REMOTE_MODULES ?? {}) : []) {
      if (address.startsWith('http://'))
        problems.push({ variable: 'REMOTE_MODULES', message: `${module} is at ${address}, but REMOTE_REQUIRE_TLS needs https://` });
    }
  });
  whenValid(() => {
    if (e.REDIS_CA_FILE && !e.REDIS_URL?.startsWith('rediss://')) {
      problems.push({ variable: 'REDIS_CA_FILE', message: 'needs a rediss:// REDIS_URL (the CA verifies a TLS connection)' });
    }
  });
  if (e.DATABASE_CA_FILE && databaseUrls.length === 0)
    problems.push({ variable: 'DATABASE_CA_FILE', message: 'needs DATABASE_URL (or a <MODULE>_DATABASE_URL)' });
  for (const url of e.DATABASE_CA_FILE ? databaseUrls : []) {
    if (/[?&]sslmode=disable(&|$)/.test(url)) problems.push({ variable: 'DATABASE_CA_FILE', message: 'is set, but a database URL says sslmode=disable' });
  }
  const remoteCert = read('REMOTE_CLIENT_CERT_FILE', 'CERTIFICATE');
  const remoteKey = read('REMOTE_CLIENT_KEY_FILE', 'PRIVATE KEY');
  matches('REMOTE_CLIENT_CERT_FILE', remoteCert, 'REMOTE_CLIENT_KEY_FILE', remoteKey, problems);
  return {
    server: cert !== undefined && key !== undefined ? { cert, key, clientCa } : undefined,
    remote: { ca: read('REMOTE_CA_FILE', 'CERTIFICATE'), cert: remoteCert, key: remoteKey, requireTls },
    redisCa: read('REDIS_CA_FILE', 'CERTIFICATE'),
    databaseCa: read('DATABASE_CA_FILE', 'CERTIFICATE'),
  };
}

function pair(e: Settings, a: keyof Settings, b: keyof Settings, problems: ConfigProblem[]): void {
  if ((e[a] === undefined) !== (e[b] === undefined)) {
    const [missing, set] = e[a] === undefined ? [a, b] : [b, a];
    problems.push({ variable: missing, message: `must be set with ${set}: a certificate and its key go together` });
  }
}

/** The file's PEM text; a readable problem (variable and path, never content) when it cannot be read or is not PEM. */
function readPem(variable: string, file: string | undefined, kind: 'CERTIFICATE' | 'PRIVATE KEY', problems: ConfigProblem[]): string | undefined {
  if (file === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    problems.push({ variable, message: `cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})` });
    return undefined;
  }
  // `BEGIN PRIVATE KEY`, `BEGIN RSA PRIVATE KEY`, `BEGIN EC PRIVATE KEY`...
  const marker = kind === 'CERTIFICATE' ? /-----BEGIN CERTIFICATE-----/ : /-----BEGIN [A-Z ]*PRIVATE KEY-----/;
  if (!marker.test(text)) {
    problems.push({ variable, message: `${file} holds no PEM ${kind === 'CERTIFICATE' ? 'certificate' : 'private key'} (-----BEGIN ${kind}-----)` });
    return undefined;
  }
  // Parsed here, so a damaged file stops start-up naming its setting, not at the first handshake (a server that
  // resets every connection, a call that looks like a network failure) or after the migrations.
  const unreadable = kind === 'CERTIFICATE' ? certificateProblem(text) : keyProblem(text);
  if (unreadable) {
    problems.push({ variable, message: `${file} ${unreadable}` });
    return undefined;
  }
  return text;
}

/** Why PEM text that has certificate markers is unusable: each certificate (a CA file may hold several) must parse. */
function certificateProblem(text: string): string | undefined {
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) return 'holds a certificate that does not end (-----END CERTIFICATE-----)';
  for (const [i, block] of blocks.entries()) {
    try {
      new X509Certificate(block);
    } catch (error) {
      return `holds a certificate that cannot be read${blocks.length > 1 ? ` (the ${ordinal(i + 1)})` : ''}: ${(error as Error).message}`;
    }
  }
  return undefined;
}

/** Why PEM text with a private key marker is unusable: encrypted (Cleave takes no passphrase), or damaged. */
function keyProblem(text: string): string | undefined {
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: *4,ENCRYPTED/.test(text))
    return 'holds an encrypted private key, and there is no passphrase setting: store it unencrypted in a file only the server can read (a mounted secret), e.g. `openssl pkey -in encrypted.key -out server.key`';
  try {
    createPrivateKey(text);
    return undefined;
  } catch (error) {
    return `holds a private key that cannot be read: ${(error as Error).message}`;
  }
}

const ordinal = (n: number) => `${n}${n === 1 ? 'st' : n === 2 ? 'nd' : n === 3 ? 'rd' : 'th'}`;

/** A certificate and a key that were each read must be one pair: the key's problem, naming both settings. */
function matches(certVariable: string, cert: string | undefined, keyVariable: string, key: string | undefined, problems: ConfigProblem[]): void {
  if (cert === undefined || key === undefined) return;
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(key);
    if (new X509Certificate(cert).checkPrivateKey(privateKey)) return;
  } catch {
    return; // each was checked on its own above
  }
  problems.push({ variable: keyVariable, message: `is not the private key of the certificate in ${certVariable}` });
}
