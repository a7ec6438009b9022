// The Redis keys of one fleet (all under a prefix) and the entity -> shard map. Producers and
// workers must agree on the shard count, or an entity's rows would be read by two holders in no
// order: the count is stored once under <prefix>:meta and every later client is checked against it.
import type { RedisClient } from './redis';

/** The consumer group every shard stream is read through. */
export const GROUP = 'vigil';

export interface FleetKeys {
  prefix: string;
  shards: number;
  /** The stream of shard s's rows. */
  rows(s: number): string;
  /** The lease of shard s (its holder's token). */
  lease(s: number): string;
  /** Entity -> checkpoint of shard s (checkpoint.ts). */
  state(s: number): string;
  /** Entity -> the id of its last row with a written result (or dead letter), shard s. */
  done(s: number): string;
  results: string;
  alarms: string;
  dead: string;
  /** Worker id -> last heartbeat (ms), a sorted set. */
  workers: string;
  meta: string;
}

export function fleetKeys(prefix: string, shards: number): FleetKeys {
  if (!/^[\w.:-]{1,64}$/.test(prefix)) throw new Error(`the key prefix must be 1-64 characters of letters, digits, _ . : -, got "${prefix}"`);
  if (!(Number.isInteger(shards) && shards >= 1 && shards <= 4096)) throw new Error(`shards must be a whole number from 1 to 4096, got ${shards}`);
  return {
    prefix, shards,
    rows: (s) => `${prefix}:rows:${s}`,
    lease: (s) => `${prefix}:lease:${s}`,
    state: (s) => `${prefix}:state:${s}`,
    done: (s) => `${prefix}:done:${s}`,
    results: `${prefix}:results`,
    alarms: `${prefix}:alarms`,
    dead: `${prefix}:dead`,
    workers: `${prefix}:workers`,
    meta: `${prefix}:meta`,
  };
}

/** FNV-1a (32 bit) of the entity's UTF-8 bytes, mod the shard count: stable across processes and versions. */
export function shardOf(entity: string, shards: number): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(entity, 'utf8')) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % shards;
}

/** Records the fleet's shard count, or checks it against the one already recorded. */
export async function checkShardCount(redis: RedisClient, keys: FleetKeys): Promise<void> {
  await redis.hsetnx(keys.meta, 'shards', String(keys.shards));
  const stored = Number(await redis.hget(keys.meta, 'shards'));
  if (stored !== keys.shards)
    throw new Error(`the fleet under prefix "${keys.prefix}" has ${stored} shards, this client was given ${keys.shards}: use --shards ${stored} (or another --prefix)`);
}
