// Producers: pushing rows of entities into their shard streams, and `replay`, the load
// generator behind `vigil replay`: one series played as N entities at a fixed total rate,
// bounded in rows per entity and in time. Entity k's row i is the series' row
// (k * stride + i) mod rows, so the entities' series differ while staying realistic.
import type { Series } from '../data/series';
import { checkShardCount, shardOf, type FleetKeys } from './keys';
import type { RedisClient } from './redis';
import { encodeRow } from './wire';

/** Pushes one row of an entity; its row id (the entry id). */
export async function pushRow(redis: RedisClient, keys: FleetKeys, entity: string, values: ArrayLike<number> | Record<string, number>, timestamp?: number | string): Promise<string> {
  return (await redis.xadd(keys.rows(shardOf(entity, keys.shards)), '*', ...encodeRow(entity, values, timestamp)))!;
}

export interface ReplayOptions {
  /** Entities to play (named `${entityPrefix}${k}`). */
  entities: number;
  /** Rows per second over all entities (default: as fast as Redis takes them). */
  rate?: number;
  /** Rows per entity (default: the series' rows). */
  rowsPerEntity?: number;
  /** Stop after this many seconds at the latest (default 60). */
  seconds?: number;
  /** Entity name prefix (default 'e'). */
  entityPrefix?: string;
  /** Offset in rows between consecutive entities' series (default rows / entities, at least 1). */
  stride?: number;
}

export interface ReplayReport {
  rows: number;
  seconds: number;
  /** Why it stopped: every entity got its rows, or the time bound. */
  stoppedBy: 'rows' | 'time';
}

/** Rows pushed per pipeline round trip. */
const CHUNK = 500;

/** Plays `series` as `entities` entities (see the file comment). */
export async function replay(redis: RedisClient, keys: FleetKeys, series: Series, opts: ReplayOptions): Promise<ReplayReport> {
  const n = series.rows, F = series.columns.length;
  const E = opts.entities;
  const perEntity = opts.rowsPerEntity ?? n;
  const seconds = opts.seconds ?? 60;
  const stride = opts.stride ?? Math.max(1, Math.floor(n / E));
  const prefix = opts.entityPrefix ?? 'e';
  if (!(Number.isInteger(E) && E >= 1)) throw new Error(`entities must be a whole number >= 1, got ${E}`);
  if (!(Number.isInteger(perEntity) && perEntity >= 1)) throw new Error(`rows per entity must be a whole number >= 1, got ${perEntity}`);
  if (opts.rate !== undefined && !(opts.rate > 0)) throw new Error(`rate must be > 0 rows/s, got ${opts.rate}`);
  if (!(seconds > 0)) throw new Error(`seconds must be > 0, got ${seconds}`);
  if (!(Number.isInteger(stride) && stride >= 0)) throw new Error(`stride must be a whole number >= 0, got ${stride}`);
  if (!n) throw new Error('the series has no rows to replay');
  await checkShardCount(redis, keys);
  const names = Array.from({ length: E }, (_, k) => `${prefix}${k}`);
  const streams = names.map((e) => keys.rows(shardOf(e, keys.shards)));
  const total = E * perEntity;
  const start = Date.now(), end = start + seconds * 1000;
  let sent = 0;
  while (sent < total && Date.now() < end) {
    // Rows allowed by now at the rate (all of them without one), in round-robin order over entities.
    const allowed = opts.rate === undefined ? total : Math.min(total, Math.floor(((Date.now() - start) / 1000) * opts.rate) + 1);
    if (allowed <= sent) {
      await new Promise((r) => setTimeout(r, Math.min(50, Math.max(1, ((sent + 1) / opts.rate! - (Date.now() - start) / 1000) * 1000))));
      continue;
    }
    const p = redis.pipeline();
    const upto = Math.min(allowed, sent + CHUNK);
    for (let j = sent; j < upto; j++) {
      const k = j % E, i = Math.floor(j / E);
      const r = (k * stride + i) % n;
      p.xadd(streams[k], '*', ...encodeRow(names[k], series.data.subarray(r * F, (r + 1) * F)));
    }
    const replies = await p.exec();
    const failed = replies?.find(([e]) => e);
    if (failed) throw failed[0]!;
    sent = upto;
  }
  return { rows: sent, seconds: (Date.now() - start) / 1000, stoppedBy: sent >= total ? 'rows' : 'time' };
}
