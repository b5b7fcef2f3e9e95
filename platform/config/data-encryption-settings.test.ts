import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../tests/support/temp-dir.ts';
import { ConfigError, loadConfig } from './load-config.ts';

describe('data encryption settings', () => {
  it('default to the development key, said to be one; none with NODE_ENV=production', () => {
    const { dataEncryption } = loadConfig({});
    expect(dataEncryption.kekSource).toBe('development-default');
    expect(dataEncryption.kek?.[0]).toMatchObject({ id: 'dev-data' });
    expect(loadConfig({ NODE_ENV: 'production', IDENTITY_KEK: randomBytes(32).toString('base64') }).dataEncryption).toEqual({
      kek: undefined,
      kekSource: 'none',
    });
  });

  it('read DATA_KEK as a list with ids, the first wrapping; from DATA_KEK_FILE too', () => {
    const [a, b] = [randomBytes(32).toString('base64'), randomBytes(32).toString('base64url')];
    expect(loadConfig({ DATA_KEK: `new:${b},old:${a}` }).dataEncryption.kek?.map((k) => k.id)).toEqual(['new', 'old']);
    const file = join(tempDir('data-kek'), 'kek');
    writeFileSync(file, `d1:${a}\n`);
    expect(loadConfig({ DATA_KEK_FILE: file }).dataEncryption).toMatchObject({ kekSource: 'DATA_KEK_FILE', kek: [{ id: 'd1' }] });
  });

  it('a malformed DATA_KEK is a problem named DATA_KEK that never quotes the value', () => {
    const short = randomBytes(16).toString('base64');
    let error: unknown;
    try {
      loadConfig({ DATA_KEK: `d1:${short}` });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([{ variable: 'DATA_KEK', message: expect.stringContaining('must be 32 random bytes') }]);
    expect((error as ConfigError).message).not.toContain(short);
  });
});
