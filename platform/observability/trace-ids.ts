import { Buffer } from 'node:buffer';

/** A new trace id and what the trace-id ratio sampler reads of it. */
export interface DrawnTraceId {
  /** 32 lowercase hex digits, never all zero. */
  id: string;
  /**
   * Its four 32-bit words XORed, the number OpenTelemetry's `TraceIdRatioBasedSampler` compares with its bound
   * (`_accumulate`), read from the bytes instead of parsed back from the hex.
   */
  accumulation: number;
}

export interface TraceIds {
  traceId(): DrawnTraceId;
  /** 16 lowercase hex digits, never all zero. */
  spanId(): string;
}

/**
 * Trace and span ids cut from a pool of random bytes, refilled from the system's CSPRNG (WebCrypto, on Node and Deno)
 * 4 KiB at a time and hex-encoded once per refill. The SDK's `RandomIdGenerator` draws `Math.random` per 4 bytes and
 * hex-encodes each id, and its ratio sampler parses the hex back: together 0.5 µs a request on one machine, 1.6 in the
 * profile of a slower one (bench/README.md), where nearly every request's span is left out of the sample and is only
 * these ids; this costs 0.1 µs.
 */
export function traceIds(poolBytes = 4096): TraceIds {
  const bytes = Buffer.allocUnsafe(poolBytes);
  let hex = '';
  let at = poolBytes;
  const take = (n: number): number => {
    if (at + n > poolBytes) {
      crypto.getRandomValues(bytes);
      hex = bytes.toString('hex');
      at = 0;
    }
    const from = at;
    at += n;
    return from;
  };
  return {
    traceId() {
      for (;;) {
        const from = take(16);
        const a = bytes.readUInt32BE(from);
        const b = bytes.readUInt32BE(from + 4);
        const c = bytes.readUInt32BE(from + 8);
        const d = bytes.readUInt32BE(from + 12);
        // All zero is the invalid id (W3C trace context); one draw in 2^128.
        if ((a | b | c | d) !== 0) return { id: hex.slice(from * 2, from * 2 + 32), accumulation: (a ^ b ^ c ^ d) >>> 0 };
      }
    },
    spanId() {
      for (;;) {
        const from = take(8);
        if ((bytes.readUInt32BE(from) | bytes.readUInt32BE(from + 4)) !== 0) return hex.slice(from * 2, from * 2 + 16);
      }
    },
  };
}

/**
 * The bound `TraceIdRatioBasedSampler` compares a trace id's accumulation with (below it: sampled), for the same ratio.
 */
export function ratioBound(ratio: number): number {
  const normal = typeof ratio !== 'number' || Number.isNaN(ratio) ? 0 : ratio >= 1 ? 1 : ratio <= 0 ? 0 : ratio;
  return normal === 1 ? 0x100000000 : Math.floor(normal * 0xffffffff);
}
