import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ignoreClosedOutput } from './closed-output.ts';

const failing = (code: string) => Object.assign(new Error(`write ${code}`), { code, syscall: 'write' });

describe('ignoreClosedOutput', () => {
  it('an EPIPE on the stream is dropped; any other error is still raised', () => {
    const stream = new Writable() as unknown as NodeJS.WriteStream;
    ignoreClosedOutput([stream]);
    expect(() => stream.emit('error', failing('EPIPE'))).not.toThrow();
    expect(() => stream.emit('error', failing('EIO'))).toThrow('write EIO');
  });
});
