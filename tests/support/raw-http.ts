import { connect, type Socket } from 'node:net';

/** One HTTP/1.1 response as read off the wire. */
export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface RawRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  /** Sent in `chunks` writes of equal size, `pauseMs` apart, before the response is read. */
  body?: Uint8Array;
  chunks?: number;
  pauseMs?: number;
}

/**
 * A deliberately plain HTTP/1.1 client over one socket, for what fetch hides: it sends the whole request (slowly, if
 * asked) before it reads the answer, as many clients do, reuses the connection unless told `Connection: close`, and
 * can send bytes no well-behaved client would.
 */
export class RawConnection {
  private buffer = Buffer.alloc(0);
  private waiting: (() => void) | undefined;
  private ended = false;
  private failure: Error | undefined;
  readonly socket: Socket;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.waiting?.();
    });
    socket.on('end', () => {
      this.ended = true;
      this.waiting?.();
    });
    socket.on('error', (error) => {
      this.failure = error;
      this.waiting?.();
    });
  }

  static open(port: number, host = '127.0.0.1'): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, host, () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  /** Whether the server closed its side. */
  get closed(): boolean {
    return this.ended || this.failure !== undefined || this.socket.destroyed;
  }

  async send(request: RawRequest): Promise<RawResponse> {
    const body = request.body ?? new Uint8Array(0);
    const headers = { host: 'localhost', ...(request.body ? { 'content-length': String(body.byteLength) } : {}), ...request.headers };
    const head = `${request.method} ${request.path} HTTP/1.1\r\n${Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('')}\r\n`;
    await this.write(Buffer.from(head, 'latin1'));
    const chunks = Math.max(1, request.chunks ?? 1);
    const size = Math.ceil(body.byteLength / chunks);
    for (let offset = 0; offset < body.byteLength; offset += size) {
      await this.write(body.subarray(offset, offset + size));
      if (request.pauseMs) await new Promise((r) => setTimeout(r, request.pauseMs));
    }
    return this.read();
  }

  /** Writes raw bytes and reads one response (for malformed requests). */
  async sendBytes(bytes: string | Uint8Array): Promise<RawResponse> {
    await this.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
    return this.read();
  }

  /** Reads the next response without sending anything (the answers to requests sent together, pipelined). */
  next(): Promise<RawResponse> {
    return this.read();
  }

  close(): void {
    this.socket.destroy();
  }

  private write(bytes: Uint8Array): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => this.socket.write(bytes, (error) => (error ? reject(error) : resolve())));
  }

  /** Decodes a complete chunked body starting at `start`, or undefined while it is still arriving. */
  private chunkedBody(start: number): { body: string; next: number } | undefined {
    const parts: Buffer[] = [];
    let at = start;
    for (;;) {
      const lineEnd = this.buffer.indexOf('\r\n', at);
      if (lineEnd < 0) return undefined;
      const size = parseInt(this.buffer.subarray(at, lineEnd).toString('latin1'), 16);
      if (this.buffer.byteLength < lineEnd + 2 + size + 2) return undefined;
      if (size === 0) return { body: Buffer.concat(parts).toString('utf8'), next: lineEnd + 4 };
      parts.push(this.buffer.subarray(lineEnd + 2, lineEnd + 2 + size));
      at = lineEnd + 2 + size + 2;
    }
  }

  private async read(): Promise<RawResponse> {
    for (;;) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end >= 0) {
        const [statusLine = '', ...lines] = this.buffer.subarray(0, end).toString('latin1').split('\r\n');
        const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
        if (headers['transfer-encoding'] === 'chunked') {
          const chunked = this.chunkedBody(end + 4);
          if (chunked) {
            this.buffer = this.buffer.subarray(chunked.next);
            return { status: Number(statusLine.split(' ')[1]), headers, body: chunked.body };
          }
        }
        const length = Number(headers['content-length'] ?? 0);
        if (
          headers['transfer-encoding'] !== 'chunked' &&
          (this.buffer.byteLength >= end + 4 + length || (this.ended && headers['content-length'] === undefined))
        ) {
          const take = headers['content-length'] === undefined ? this.buffer.byteLength - end - 4 : length;
          const body = this.buffer.subarray(end + 4, end + 4 + take).toString('utf8');
          this.buffer = this.buffer.subarray(end + 4 + take);
          return { status: Number(statusLine.split(' ')[1]), headers, body };
        }
      }
      if (this.failure) throw this.failure;
      if (this.ended) throw new Error(`connection closed without a complete response (${this.buffer.byteLength} bytes read)`);
      await new Promise<void>((resolve) => (this.waiting = resolve));
      this.waiting = undefined;
    }
  }
}
