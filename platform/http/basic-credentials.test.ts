import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { basicCredentials } from './basic-credentials.ts';

const encode = (text: string) => Buffer.from(text, 'utf8').toString('base64');

describe('basicCredentials', () => {
  it('reads any user and password written as RFC 7617 does, whatever the scheme case and spacing', () => {
    fc.assert(
      fc.property(
        fc.string().filter((u) => !u.includes(':')),
        fc.string(),
        fc.constantFrom('Basic ', 'basic ', 'BASIC   '),
        (user, password, scheme) => {
          expect(basicCredentials(`${scheme}${encode(`${user}:${password}`)}`)).toEqual({ kind: 'basic', user, password });
        },
      ),
    );
  });

  it('refuses base64 in any other spelling than the canonical one: padding missing or extra, stray bits, junk', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), (text) => {
        const canonical = encode(`id:${text}`);
        const data = canonical.replace(/=+$/, '');
        const variants = [`${canonical}=`, `${canonical}A`, `${canonical}==`];
        // Padded: without it, and with one `=` short.
        if (data !== canonical) variants.push(data, `${data}${'='.repeat(canonical.length - data.length - 1)}`);
        for (const variant of variants) expect(basicCredentials(`Basic ${variant}`)).toEqual({ kind: 'malformed' });
      }),
    );
    // The last character's unused bits set: the same bytes to a lenient decoder ("MQ==" and "MR==").
    expect(basicCredentials(`Basic ${encode('id:1')}`)).toEqual({ kind: 'basic', user: 'id', password: '1' });
    expect(encode('id:1').endsWith('MQ==')).toBe(true);
    expect(basicCredentials(`Basic ${encode('id:1').replace(/MQ==$/, 'MR==')}`)).toEqual({ kind: 'malformed' });
  });

  it('tells no header, another scheme and a Basic header it cannot read apart', () => {
    expect(basicCredentials(undefined)).toEqual({ kind: 'none' });
    expect(basicCredentials('Bearer abc.def.ghi')).toEqual({ kind: 'other-scheme' });
    expect(basicCredentials('Basicx abc')).toEqual({ kind: 'other-scheme' });
    for (const header of [
      'Basic',
      'Basic ',
      'Basic !!!',
      `Basic ${encode('no-colon')}`,
      `Basic ${Buffer.from([0x69, 0x3a, 0xff]).toString('base64')}`,
      `Basic\t${encode('a:b')}`,
    ])
      expect([header, basicCredentials(header)]).toEqual([header, { kind: 'malformed' }]);
  });
});
