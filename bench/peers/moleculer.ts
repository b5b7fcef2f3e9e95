/**
 * The Moleculer peer of a module call: a `bench` service whose `hello` action validates its parameter (Moleculer's
 * default validator, fastest-validator) and calls the same use case as the bench module's route. Brokers log nothing,
 * collect no metrics and trace nothing, as the Cleave side is measured with tracing off. Over TCP, nodes find each other
 * only through the static 127.0.0.1 addresses given (no UDP discovery), so no packet leaves loopback.
 */
import { ServiceBroker, type BrokerOptions, type Context, type ServiceSchema } from 'moleculer';
import { sayHello } from '../module/index.ts';
import { maxNameLength } from '../servers/shared.ts';

export const helloService: ServiceSchema = {
  name: 'bench',
  actions: {
    hello: {
      params: { name: { type: 'string', min: 1, max: maxNameLength } },
      handler: (ctx: Context<{ name: string }>) => sayHello(ctx.params.name),
    },
  },
};

/**
 * A broker; with `ports` (every node's loopback port by node id, its own included, which it listens on), a node of a
 * TCP transporter cluster.
 */
export function createBroker(nodeID: string, ports?: Record<string, number>): ServiceBroker {
  const options: BrokerOptions = { nodeID, logger: false, metrics: false, tracing: false, validator: true };
  if (ports) {
    const urls = Object.entries(ports).map(([id, port]) => `127.0.0.1:${port}/${id}`);
    options.transporter = { type: 'TCP', options: { udpDiscovery: false, urls } };
  }
  return new ServiceBroker(options);
}
