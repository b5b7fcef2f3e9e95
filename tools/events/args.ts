import { z } from 'zod';
/** What `npm run events` was asked to do, checked before anything is sent. */
export interface EventsCommand {
  action: 'subscriptions' | 'audit' | 'redrive' | 'dead-letters' | 'replay' | 'discard';
  url: string;
  module?: string;
  since?: string;
  until?: string;
  consumer?: string;
  mode?: 'missing' | 'all';
  id?: string;
  reason?: string;
}

export const usage = `usage: npm run events -- <action> --url <host URL> [options]
  subscriptions                              the durable subscriptions publishers route by
  audit   --module <producer> --since <t>    deliveries the broker lost (exit 1 when some are missing)
  redrive --module <producer> --since <t>    send them again [--mode missing|all]
  dead-letters [--module <m>]                pending dead letters of the host's modules (or of one)
  replay  --id <dead letter id>              deliver one dead letter again
  discard --id <dead letter id> --reason <why>   delete one no replay can settle (audited)
options: --until <t>, --consumer <module:handler>; <t> is an ISO time or an age such as 30m, 6h, 2d
CLEAVE_TOKEN: an access token with the operator scope (the ops endpoints need it)`;

const ages: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** An ISO time, or an age (`90m`, `6h`, `2d`) before `now`. */
export function pointInTime(value: string, now: Date): string {
  const age = /^(\d+)([mhd])$/.exec(value);
  if (age) {
    const then = new Date(now.getTime() - Number(age[1]) * (ages[age[2] as string] as number));
    if (Number.isNaN(then.getTime())) throw new Error(`"${value}" reaches back before any time a date can hold`);
    return then.toISOString();
  }
  const day = /^(\d{4})-(\d\d)-(\d\d)/.exec(value);
  if (Number.isNaN(Date.parse(value)) || !day) throw new Error(`"${value}" is neither an ISO time nor an age like 6h`);
  // Date.parse reads 2026-02-30 as 2 March: a day the calendar does not have is refused, not moved.
  const [, year, month, date] = day.map(Number) as [number, number, number, number];
  const calendar = new Date(Date.UTC(year, month - 1, date));
  if (calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== date) throw new Error(`"${value}" names a day the calendar does not have`);
  return new Date(value).toISOString();
}

/** {@link pointInTime} for an option, its refusal naming the option. */
function optionTime(option: string, value: string, now: Date): string {
  try {
    return pointInTime(value, now);
  } catch (error) {
    throw new Error(`${option} ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/** A consumer's id: its module, a colon, the handler's name (`inventory:create-stock-item`). */
const consumerId = /^[a-z][a-z0-9-]*:[^\s:]+$/;
/** What the discard route takes as its reason (`POST /ops/dead-letters/{id}/discard`). */
const maxReasonLength = 500;

/** The options each action reads besides --url: any other is refused rather than silently ignored. */
const takes: Record<EventsCommand['action'], readonly string[]> = {
  subscriptions: [],
  audit: ['module', 'since', 'until', 'consumer'],
  redrive: ['module', 'since', 'until', 'consumer', 'mode'],
  'dead-letters': ['module'],
  replay: ['id'],
  discard: ['id', 'reason'],
};

/** Checks the parsed options of one action; throws a readable message. */
export function toCommand(positionals: string[], values: Record<string, string | undefined>, now = new Date()): EventsCommand {
  const [action, ...extra] = positionals;
  const actions = ['subscriptions', 'audit', 'redrive', 'dead-letters', 'replay', 'discard'];
  if (!action || !actions.includes(action)) throw new Error(`name one action: ${actions.join(', ')}`);
  // `replay <id>`: what follows the action is an option's value given without its name.
  if (extra.length > 0) {
    const named = takes[action as EventsCommand['action']].map((name) => `--${name}`).join(', ');
    const given = extra.map((e) => `"${e}"`).join(' ');
    throw new Error(
      `${action} takes no ${extra.length === 1 ? 'argument' : 'arguments'} after it (${given})${named ? `: give values by option (${named})` : ''}`,
    );
  }
  const url = values.url;
  if (!url || !/^https?:\/\/[^\s/]+(\/[^\s]*)?$/.test(url)) throw new Error('--url must be the http(s) address of a Cleave host');
  const command: EventsCommand = { action: action as EventsCommand['action'], url: url.replace(/\/+$/, '') };
  // `dead-letters --module inventory` listing every module's letters, or `replay --reason …` dropping the reason,
  // would look like it did what was asked.
  const ignored = Object.keys(values).filter((name) => name !== 'url' && values[name] !== undefined && !takes[command.action].includes(name));
  if (ignored.length > 0) {
    const accepted = takes[command.action].map((name) => `--${name}`).join(', ') || 'no option but --url';
    throw new Error(`${action} does not take ${ignored.map((name) => `--${name}`).join(', ')} (it takes ${accepted})`);
  }
  if (action === 'dead-letters' && values.module) command.module = values.module;
  if (action === 'audit' || action === 'redrive') {
    if (!values.module) throw new Error(`${action} needs --module <the producing module>`);
    if (!values.since) throw new Error(`${action} needs --since <ISO time or age such as 6h>`);
    command.module = values.module;
    command.since = optionTime('--since', values.since, now);
    // A window that starts later than now holds no event yet: "nothing missing" would answer a typo.
    if (Date.parse(command.since) > now.getTime())
      throw new Error(`--since (${command.since}) is in the future: the window holds no event yet (an age counts back from now: --since 6h)`);
    if (values.until) command.until = optionTime('--until', values.until, now);
    if (command.until && command.until <= command.since)
      throw new Error(`--until (${command.until}) must be after --since (${command.since}); an age counts back from now, so --since 2h --until 1h`);
    if (values.consumer !== undefined) {
      // As the subscriptions name them; anything else is no consumer, and the host would only say so after the fact.
      if (!consumerId.test(values.consumer))
        throw new Error(
          `--consumer must name a consumer as subscriptions lists it, <module>:<handler> (inventory:create-stock-item); got "${values.consumer}"`,
        );
      command.consumer = values.consumer;
    }
  }
  if (action === 'redrive' && values.mode) {
    if (values.mode !== 'missing' && values.mode !== 'all') throw new Error('--mode must be missing or all');
    command.mode = values.mode;
  }
  if (action === 'replay' || action === 'discard') {
    if (!values.id) throw new Error(`${action} needs --id <dead letter id>`);
    // A dead letter's id is a UUID; anything else (`..` made the path /ops/replay) would reach another route.
    if (!z.uuid().safeParse(values.id).success) throw new Error(`--id must be a dead letter's id, a UUID as dead-letters lists it; got "${values.id}"`);
    command.id = values.id;
  }
  if (action === 'discard') {
    const reason = values.reason?.trim();
    if (!reason) throw new Error('discard needs --reason <why it is given up>, kept in the audit trail');
    if (reason.length > maxReasonLength) throw new Error(`--reason is ${reason.length} characters; the audit trail keeps at most ${maxReasonLength}`);
    command.reason = reason;
  }
  return command;
}
