// A scoring worker of a fleet (docs/scale.md): it registers with a heartbeat, holds about
// shards / workers shard leases (taking free ones, releasing extras cleanly when others join),
// takes over a dead holder's pending rows before reading new ones, reads all its shards in one
// XREADGROUP per batch, scores the rows of every entity in the read with one inference call per
// detector (each entity's Detector stream deciding its own rows: det.pushMany) and commits each
// shard's part of the batch atomically (shard.ts, commit.ts). With per-entity bundles in a bounded
// cache (bundle_cache.ts), a read naming more entities than the cache holds is scored and
// committed in pieces that fit (read_cut.ts), and an entity is checkpointed before its detector
// is dropped. Everything runs on one loop, so a shard is never read, checkpointed and released
// at the same time.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

import { Detector } from '../detect/detector';
import type { RowPolicy } from '../detect/rows';
import { checkShardCount, fleetKeys, GROUP, shardOf, type FleetKeys } from './keys';
import { commitBatches, isEmpty, type Batch } from './commit';
import { oneDetector, type EntityDetectors } from './detectors';
import { Lease } from './lease';
import { metricsText, zeroCounters, type ScaleCounters, type ShardGauge } from './metrics';
import type { RedisClient } from './redis';
import { LuaScript } from './script';
import { cutRead, type ShardEntries } from './read_cut';
import { scoreReads, ShardScorer, type Entry, type ShardRead } from './shard';

export interface ScaleWorkerOptions extends RowPolicy {
  /** Key prefix of the fleet (default 'vigil'). */
  prefix?: string;
  /** Shard streams of the fleet (default 16; fixed for its lifetime). */
  shards?: number;
  /** This worker's consumer name (default host-pid-random). */
  name?: string;
  /** Lease ttl in ms (default 5000): a dead worker's shards are taken over after about this long. */
  leaseMs?: number;
  /** Longest wait of one read for new rows, ms (default 100, at most leaseMs / 10). */
  blockMs?: number;
  /** Rows per read over all held shards (default 500): bounds the time between lease renewals. */
  batch?: number;
  /** Checkpoint an entity after this many rows (default 200). */
  checkpointRows?: number;
  /** Checkpoint an entity with rows past its checkpoint at least this often, ms (default 5000). */
  checkpointMs?: number;
  /** Channels named per result (default 3). */
  top?: number;
  /** Progress lines (shards taken, released, lost). */
  log?: (line: string) => void;
}

interface Held {
  lease: Lease;
  scorer: ShardScorer;
}

// Registers the worker and answers how many are alive (heartbeats newer than ARGV[3] ms), on the
// server's clock so that workers on several machines agree.
const HEARTBEAT = new LuaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
return redis.call('ZCARD', KEYS[1])`);

function positive(name: string, v: number, integer = true): number {
  if (!(Number.isFinite(v) && v > 0 && (!integer || Number.isInteger(v)))) throw new Error(`${name} must be a positive ${integer ? 'whole ' : ''}number, got ${v}`);
  return v;
}

export class ScaleWorker {
  readonly name: string;
  readonly counters: ScaleCounters = zeroCounters();
  readonly keys: FleetKeys;
  private readonly token: string;
  private readonly leaseMs: number;
  private readonly blockMs: number;
  private readonly batch: number;
  private readonly checkpointMs: number;
  private readonly held = new Map<number, Held>();
  private readonly log: (line: string) => void;
  private stopping = false;
  private nextRenew = 0;
  /** Heartbeat and rebalancing are due then, also when renewals between reads moved nextRenew. */
  private nextBalance = 0;
  private nextCheckpoint = 0;
  private readonly detectors: EntityDetectors;

  /**
   * `detectors`: one Detector for every entity, or the detector of each entity (a BundleCache of
   * per-entity bundles); a bounded cache is not disposed here (its owner does, after run()).
   */
  constructor(detectors: Detector | EntityDetectors, private readonly redis: RedisClient, private readonly opts: ScaleWorkerOptions = {}) {
    this.detectors = detectors instanceof Detector ? oneDetector(detectors) : detectors;
    this.keys = fleetKeys(opts.prefix ?? 'vigil', opts.shards ?? 16);
    this.name = opts.name ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    this.token = `${this.name}:${randomBytes(8).toString('hex')}`;
    this.leaseMs = positive('leaseMs', opts.leaseMs ?? 5000);
    this.blockMs = Math.min(positive('blockMs', opts.blockMs ?? 100), Math.max(1, Math.floor(this.leaseMs / 10)));
    this.batch = positive('batch', opts.batch ?? 500);
    this.checkpointMs = positive('checkpointMs', opts.checkpointMs ?? 5000);
    positive('checkpointRows', opts.checkpointRows ?? 200);
    this.log = opts.log ?? (() => undefined);
  }

  /** The shards held now. */
  get shards(): number[] {
    return [...this.held.keys()].sort((a, b) => a - b);
  }

  /** Scores until stop(); then checkpoints and releases every shard and leaves the fleet. */
  async run(): Promise<void> {
    await checkShardCount(this.redis, this.keys);
    for (let s = 0; s < this.keys.shards; s++) {
      try {
        await this.redis.xgroup('CREATE', this.keys.rows(s), GROUP, '0', 'MKSTREAM');
      } catch (e) {
        if (!String((e as Error).message).startsWith('BUSYGROUP')) throw e;
      }
    }
    this.nextCheckpoint = Date.now() + this.checkpointMs;
    try {
      while (!this.stopping) await this.step();
    } catch (e) {
      // Leave what can be left (the leases expire anyway); the loop's error is the one to report.
      await this.leave().catch(() => undefined);
      if ((e as Error).name !== 'MaxRetriesPerRequestError') throw e;
      const { host, port } = this.redis.options;
      throw new Error(`lost the connection to Redis at ${host}:${port} and could not get it back (${(e as Error).message}); ` +
        'this worker\'s leases expire and the other workers (or this one, restarted) go on from the checkpoints');
    }
    await this.leave();
  }

  /** Asks run() to finish: it returns once every shard is checkpointed and released. */
  stop(): void {
    this.stopping = true;
  }

  /** The Prometheus text of /metrics (per held shard, the group's lag and pending rows from Redis). */
  async metrics(): Promise<string> {
    const gauges: ShardGauge[] = [];
    for (const s of this.shards) {
      const groups = (await this.redis.xinfo('GROUPS', this.keys.rows(s))) as unknown[][];
      const g = groups.map((fields) => Object.fromEntries(Array.from({ length: fields.length / 2 }, (_, i) => [fields[2 * i], fields[2 * i + 1]]))).find((x) => x.name === GROUP);
      if (g) gauges.push({ shard: s, lag: g.lag === null || g.lag === undefined ? null : Number(g.lag), pending: Number(g.pending) });
    }
    return metricsText(this.counters, this.name, gauges, this.detectors.stats());
  }

  /** One turn of the loop: leases when due, checkpoints when due, one read of new rows. */
  private async step(): Promise<void> {
    if (Date.now() >= Math.min(this.nextRenew, this.nextBalance)) await this.balance();
    if (Date.now() >= this.nextCheckpoint) {
      // Entities are due at spread times (shard.ts): look often, checkpoint the few that are due.
      for (const [s, h] of this.held) if (h.scorer.dirty && !(await h.scorer.checkpoint(false))) this.lost(s, 'at a checkpoint');
      this.nextCheckpoint = Date.now() + this.checkpointMs / 10;
    }
    const wait = Math.max(1, Math.floor(Math.min(this.blockMs, Math.min(this.nextRenew, this.nextBalance) - Date.now())));
    const readable = this.shards.filter((s) => this.held.get(s)!.lease.readable(wait));
    if (!readable.length) return void (await new Promise((r) => setTimeout(r, wait)));
    const keys = readable.map((s) => this.keys.rows(s));
    const count = Math.ceil(this.batch / keys.length);
    const reply = (await this.redis.call('XREADGROUP', 'GROUP', GROUP, this.name, 'COUNT', count, 'BLOCK', wait, 'STREAMS', ...keys, ...keys.map(() => '>'))) as [string, Entry[]][] | null;
    await this.score((reply ?? []).map(([key, entries]) => ({ shard: readable[keys.indexOf(key)], entries })).filter((p) => p.entries.length), false);
  }

  /**
   * Scores the entries read from several shards and commits them: per piece of the read whose
   * entities' detectors fit the cache (the whole read for one fleet detector), one inference call
   * per detector and one round trip of commits. `claimed`: taken over from a previous holder.
   */
  private async score(parts: ShardEntries[], claimed: boolean): Promise<void> {
    for (const piece of cutRead(parts, this.detectors.capacity, (e) => this.detectors.holds(e))) {
      const reads: { shard: number; read: ShardRead }[] = [];
      for (const { shard: s, entries } of piece.parts) {
        const h = this.held.get(s);
        if (h) reads.push({ shard: s, read: await h.scorer.read(entries, claimed, piece.entities) });
      }
      // The inference call over a whole read (at most --batch rows) may take a while: renew first.
      if (reads.length && Date.now() >= this.nextRenew) await this.renew();
      const batches = await scoreReads(reads.map((r) => r.read));
      const scored: { shard: number; batch: Batch }[] = reads.map((r, i) => ({ shard: r.shard, batch: batches[i] }));
      const done = await commitBatches(this.redis, this.keys, this.token, scored.filter(({ shard, batch }) => this.held.has(shard) && !isEmpty(batch)));
      let i = 0;
      for (const { shard: s, batch } of scored) {
        if (!this.held.has(s) || isEmpty(batch)) continue;
        if (!this.held.get(s)!.scorer.committed(done[i++])) this.lost(s, claimed ? 'while taking over its pending rows' : 'at a commit');
      }
    }
  }

  /** Before the cache drops an entity's detector: checkpoint the entity in its shard, if held. */
  private async evict(entity: string): Promise<void> {
    const s = shardOf(entity, this.keys.shards);
    const h = this.held.get(s);
    if (h && !(await h.scorer.evict(entity))) this.lost(s, 'at an eviction checkpoint');
  }

  /** Heartbeat, lease renewal, then shards taken or released toward shards / live workers. */
  private async balance(): Promise<void> {
    this.nextBalance = Date.now() + this.leaseMs / 3;
    const live = Number(await HEARTBEAT.run(this.redis, [this.keys.workers], [this.name, this.leaseMs]));
    await this.renew();
    const target = Math.ceil(this.keys.shards / Math.max(1, live));
    for (const s of this.shards.reverse()) {
      if (this.held.size <= target) break;
      await this.release(s);
    }
    // Each worker starts looking at its own place in the ring, so workers rarely contend.
    const first = shardOf(this.name, this.keys.shards);
    for (let k = 0; k < this.keys.shards && this.held.size < target && !this.stopping; k++) {
      const s = (first + k) % this.keys.shards;
      if (this.held.has(s)) continue;
      const lease = new Lease(this.redis, this.keys.lease(s), this.token, this.leaseMs);
      if (await lease.acquire()) await this.take(s, lease);
    }
  }

  private async renew(): Promise<void> {
    this.nextRenew = Date.now() + this.leaseMs / 3;
    for (const [s, h] of this.held) if (!(await h.lease.renew())) this.lost(s, 'at renewal');
  }

  /** A newly leased shard: its checkpoints are read as entities appear; first its pending rows. */
  private async take(s: number, lease: Lease): Promise<void> {
    const scorer = new ShardScorer(this.detectors, this.redis, this.keys, s, this.token, {
      evict: (entity) => this.evict(entity), top: this.opts.top ?? 3, checkpointRows: this.opts.checkpointRows ?? 200, checkpointMs: this.checkpointMs,
      onBadValue: this.opts.onBadValue, timestampOrder: this.opts.timestampOrder,
    }, this.counters);
    this.held.set(s, { lease, scorer });
    let cursor = '0-0', claimed = 0;
    do {
      // min-idle 0: the lease, not idleness, says the previous holder is gone
      const [next, entries, deleted] = (await this.redis.call('XAUTOCLAIM', this.keys.rows(s), GROUP, this.name, 0, cursor, 'COUNT', Math.ceil(this.batch / this.keys.shards))) as [string, Entry[], string[]];
      this.counters.rowsLost += deleted?.length ?? 0;
      claimed += entries.length;
      if (entries.length) await this.score([{ shard: s, entries }], true);
      if (!this.held.has(s)) return;
      cursor = next;
      if (Date.now() >= this.nextRenew) await this.renew();
      if (!this.held.has(s)) return;
    } while (cursor !== '0-0');
    this.log(`took shard ${s}${claimed ? ` (${claimed} pending rows taken over)` : ''}`);
  }

  /** Checkpoints every entity of the shard, acknowledges its rows, then gives the lease up. */
  private async release(s: number): Promise<void> {
    const h = this.held.get(s)!;
    this.held.delete(s);
    if (!(await h.scorer.checkpoint(true))) return this.lost(s, 'at release', false);
    await h.lease.release();
    this.log(`released shard ${s}`);
  }

  private lost(s: number, when: string, drop = true): void {
    if (drop) this.held.delete(s);
    this.counters.leasesLost++;
    this.log(`lost shard ${s} ${when}: its lease expired or was taken; its uncommitted rows are left to the new holder`);
  }

  private async leave(): Promise<void> {
    for (const s of this.shards) await this.release(s);
    await this.redis.zrem(this.keys.workers, this.name);
  }
}
