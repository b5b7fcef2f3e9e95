/**
 * @module bench/module
 * The benchmark-only module (`/bench/v1/hello/{name}`) and the use case it wraps. Not part of any application.
 */
export { benchContract, hello } from './contract.ts';
export { benchModule } from './module.ts';
export { sayHello } from './hello.ts';
export type { Hello } from './hello.ts';
