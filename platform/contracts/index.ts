/**
 * @module platform/contracts
 * Module contracts (routes plus events) and the typed client derived from them. The transport, in-process or HTTP,
 * is chosen by the host from the topology, never by the caller.
 */
export { defineContract, isWellKnown, wellKnownPaths } from './define-contract.ts';
export type { Contract } from './define-contract.ts';
export { createClient } from './client.ts';
export { HeaderList, isProblem, routePath } from './client-http.ts';
export { RemoteProblemError } from './remote-problem.ts';
export type {
  CallMeter,
  CallOptions,
  CallResult,
  Client,
  ClientOptions,
  DirectCall,
  Fallback,
  FallbackOutput,
  Fallbacks,
  LocalDispatch,
  ResponseHeaders,
  RouteInput,
  RouteOutput,
  Transport,
} from './client.ts';
export { createHttpTransport } from './http-transport.ts';
export type { HttpTransport, HttpTransportOptions, HttpTransportStats } from './http-transport.ts';
export type { RemoteTls } from './http-send.ts';
export { tlsFetch } from './tls-fetch.ts';
export { defineConsumerContract, consumedEvent, parseFieldPath, joinFieldPath } from './consumer-contract.ts';
export type { ConsumerContract, ConsumerContractDefinition, OperationNeeds, EventNeeds, FieldPath, SuccessBody } from './consumer-contract.ts';
