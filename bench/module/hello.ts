/** The use case behind every benchmark route: no I/O, so a benchmark measures only what surrounds it. */
export interface Hello {
  hello: string;
}

/** Greets `name`: the "direct function call" that module calls and peers are measured against. */
export function sayHello(name: string): Promise<Hello> {
  return Promise.resolve({ hello: name });
}
