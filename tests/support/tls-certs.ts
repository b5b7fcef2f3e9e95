import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Paths of PEM files, and their text. */
export interface PemFiles {
  cert: string;
  key: string;
}

/**
 * A throw-away certificate authority in a temporary directory, made with `openssl` at test time (no key is ever
 * committed): server certificates for 127.0.0.1 and localhost, client certificates, and a second, untrusted CA.
 */
export interface TestPki {
  dir: string;
  /** The CA certificate's path. */
  ca: string;
  server: PemFiles;
  /** A server certificate naming only `localhost`: wrong for a client that connects to 127.0.0.1. */
  localhostOnly: PemFiles;
  client: PemFiles;
  /** A CA nobody trusts, and a client certificate it signed. */
  rogueCa: string;
  rogueClient: PemFiles;
  /** A file's text. */
  read(path: string): string;
  remove(): void;
}

/** Whether `openssl` is on PATH. */
export function opensslAvailable(): boolean {
  return spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0;
}

export function createTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'cleave-tls-'));
  const path = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const authority = (name: string) => {
    openssl(
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
      '-keyout',
      path(`${name}.key`),
      '-out',
      path(`${name}.crt`),
    );
    return path(`${name}.crt`);
  };
  const issue = (ca: string, name: string, extensions: string): PemFiles => {
    writeFileSync(path(`${name}.ext`), extensions);
    openssl(
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-subj',
      `/CN=${name}`,
      '-keyout',
      path(`${name}.key`),
      '-out',
      path(`${name}.csr`),
    );
    openssl(
      'x509',
      '-req',
      '-in',
      path(`${name}.csr`),
      '-CA',
      path(`${ca}.crt`),
      '-CAkey',
      path(`${ca}.key`),
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      path(`${name}.ext`),
      '-out',
      path(`${name}.crt`),
    );
    return { cert: path(`${name}.crt`), key: path(`${name}.key`) };
  };
  const ca = authority('test-ca');
  const rogueCa = authority('rogue-ca');
  return {
    dir,
    ca,
    server: issue('test-ca', 'server', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n'),
    localhostOnly: issue('test-ca', 'localhost-only', 'subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n'),
    client: issue('test-ca', 'client', 'extendedKeyUsage=clientAuth\n'),
    rogueCa,
    rogueClient: issue('rogue-ca', 'rogue-client', 'extendedKeyUsage=clientAuth\n'),
    read: (file) => readFileSync(file, 'utf8'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
