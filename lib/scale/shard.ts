// The entities of one held shard: each entity's Detector stream (restored from its checkpoint
// when it has one), the rows scored since that checkpoint (pending in the group until the next
// one), and turning a batch of stream entries into one fenced commit (commit.ts).
//
// Scoring a read goes in two steps so that the reads of several shards share one inference call:
// read() decodes and checks the entries and lists the rows each entity's stream takes; scoreReads
// pushes the rows of all the reads given with one pushMany per detector (lib/detect/stream_batch.ts:
// each stream's result exactly as its own push would give it; entities sharing a detector share
// its inference call) and turns each read into its batch.
//
// An entity's detector comes from EntityDetectors (detectors.ts): one for the fleet, or its own
// bundle from a bounded cache. An entity is known here only while its detector is held: evict()
// checkpoints it and forgets it before the cache drops its detector.
import type { Detector, PushOutcome, StreamPush } from '../detect/detector';
import { RowError, type RowPolicy } from '../detect/rows';
import type { DetectorStream } from '../detect/stream';
import type { DetectorResult } from '../detect/detector_result';
import { decodeCheckpoint, encodeCheckpoint, type Checkpoint } from './checkpoint';
import { commitBatches, emptyBatch, isEmpty, type Batch, type Committed, type Output } from './commit';
import type { EntityDetectors } from './detectors';
import { shardOf, type FleetKeys } from './keys';
import type { ScaleCounters } from './metrics';
import type { RedisClient } from './redis';
import { decodeRow, fieldMap } from './wire';

/** A stream entry as Redis answers it: [id, [field, value, ...]]. */
export type Entry = [string, string[]];

interface Entity {
  det: Detector;
  stream: DetectorStream;
  /** The id of the last row pushed into the stream (null: none yet). */
  row: string | null;
  /** Rows pushed since the last checkpoint: pending until a checkpoint holds them. */
  unacked: string[];
  /** When (Date.now) a checkpoint is due by time if rows are pending. */
  dueAt: number;
}

export interface ShardOptions extends RowPolicy {
  top: number;
  /** Called before the cache drops an entity's detector: checkpoint it (the worker finds its shard). */
  evict: (entity: string) => Promise<void>;
  /** Checkpoint an entity once it has this many rows past its checkpoint. */
  checkpointRows: number;
  /** ... or once its oldest such row is this many ms old. */
  checkpointMs: number;
}

/** What an entry of a read becomes: a dead letter, an acknowledgement alone, or its stream's push. */
type Step =
  | { id: string; entity: string; refused: string; fields: string[] }
  | { id: string; ack: true }
  | { id: string; entity: string; ent: Entity; push: number; fields: string[] };

/** A shard's read, decoded and checked: its entries' steps in order and the rows for the streams. */
export interface ShardRead {
  scorer: ShardScorer;
  /** The rows were taken over from another holder's pending list. */
  claimed: boolean;
  steps: Step[];
  pushes: StreamPush[];
  /** The detector of each push's stream. */
  dets: Detector[];
}

/**
 * Scores the reads of several shards with one pushMany per detector (one inference call for all
 * the full windows of the entities it scores): each read's batch to commit, with the checkpoints due.
 */
export async function scoreReads(reads: ShardRead[]): Promise<Batch[]> {
  const pushes = reads.flatMap((r) => r.pushes), dets = reads.flatMap((r) => r.dets);
  const groups = new Map<Detector, number[]>();
  dets.forEach((det, i) => {
    const g = groups.get(det);
    if (g) g.push(i);
    else groups.set(det, [i]);
  });
  const outcomes: PushOutcome[] = new Array(pushes.length);
  for (const [det, at] of groups) (await det.pushMany(at.map((i) => pushes[i]))).forEach((o, k) => (outcomes[at[k]] = o));
  let at = 0;
  return reads.map((r) => r.scorer.finish(r, outcomes.slice(at, (at += r.pushes.length))));
}

/** Whether stream id a ("ms-seq") comes after b. */
export function idAfter(a: string, b: string): boolean {
  const [am, as] = a.split('-').map(Number), [bm, bs] = b.split('-').map(Number);
  return am !== bm ? am > bm : as > bs;
}

/** A result's stream fields (lossless numbers: String() round-trips a double). */
function resultFields(entity: string, row: string, r: DetectorResult): string[] {
  const f = ['e', entity, 'row', row, 'index', String(r.index)];
  if (r.timestamp !== undefined) f.push('t', String(r.timestamp));
  if (!r.ready) return [...f, 'ready', '0', 'remaining', String(r.remaining)];
  f.push('ready', '1', 'score', String(r.score), 'flag', r.flag ? '1' : '0', 'top', JSON.stringify(r.topChannels));
  if (r.calibrated !== undefined) f.push('calibrated', String(r.calibrated));
  if (r.flaggedChannels) f.push('flaggedChannels', JSON.stringify(r.flaggedChannels));
  return f;
}

export class ShardScorer {
  private readonly entities = new Map<string, Entity>();

  constructor(
    private readonly detectors: EntityDetectors,
    private readonly redis: RedisClient,
    private readonly keys: FleetKeys,
    readonly shard: number,
    private readonly token: string,
    private readonly opts: ShardOptions,
    private readonly counters: ScaleCounters,
  ) {}

  /** Whether some entity has rows past its checkpoint. */
  get dirty(): boolean {
    for (const e of this.entities.values()) if (e.unacked.length) return true;
    return false;
  }

  /**
   * Decodes and checks a batch of this shard's entries (getting the detectors and checkpoints of
   * new entities): scoreReads scores it. `claimed`: the rows were taken over from another
   * holder's pending list. `keep`: the entities whose detectors must stay held until the read is
   * committed (at most the cache's capacity; the worker cuts reads to fit).
   */
  async read(entries: Entry[], claimed: boolean, keep: ReadonlySet<string>): Promise<ShardRead> {
    const rows = entries.map(([id, fields]) => ({ id, fields, row: decodeRow(fields) }));
    const mine = rows.flatMap((r) => ('refused' in r.row || shardOf(r.row.entity, this.keys.shards) !== this.shard ? [] : [r.row.entity]));
    const without = await this.restore(mine, keep);
    const read: ShardRead = { scorer: this, claimed, steps: [], pushes: [], dets: [] };
    for (const { id, fields, row } of rows) {
      this.counters.rowsIn++;
      if ('refused' in row) {
        read.steps.push({ id, entity: row.entity, refused: row.refused, fields });
        continue;
      }
      const home = shardOf(row.entity, this.keys.shards);
      if (home !== this.shard) {
        read.steps.push({ id, entity: row.entity, refused: `entity "${row.entity}" belongs to shard ${home} of ${this.keys.shards}, not ${this.shard}: its producer uses another shard count`, fields });
        continue;
      }
      const refused = without.get(row.entity);
      if (refused !== undefined) {
        read.steps.push({ id, entity: row.entity, refused, fields });
        continue;
      }
      const ent = this.entities.get(row.entity)!;
      // Entries come in id order, so comparing with the row before this read is enough.
      if (ent.row !== null && !idAfter(id, ent.row)) {
        read.steps.push({ id, ack: true }); // already inside the restored state: its result was written before the checkpoint
        continue;
      }
      read.steps.push({ id, entity: row.entity, ent, push: read.pushes.length, fields });
      read.pushes.push({ stream: ent.stream, row: row.values, timestamp: row.timestamp });
      read.dets.push(ent.det);
    }
    return read;
  }

  /** A read's batch from its pushes' outcomes (in entry order, so an entity's outputs come in id order). */
  finish(read: ShardRead, outcomes: PushOutcome[]): Batch {
    const b = emptyBatch();
    for (const step of read.steps) {
      if ('ack' in step) {
        b.acks.push(step.id);
        continue;
      }
      if ('refused' in step) {
        this.refuse(b, step.entity, step.id, step.refused, step.fields);
        continue;
      }
      const r = outcomes[step.push];
      if (r instanceof Error) {
        if (!(r instanceof RowError)) throw r;
        this.refuse(b, step.entity, step.id, r.message, step.fields); // a refused row leaves the stream as it was
        continue;
      }
      if (read.claimed) this.counters.replays++;
      b.outputs.push({ kind: r.ready && r.flag ? 'a' : 'r', entity: step.entity, row: step.id, fields: resultFields(step.entity, step.id, r) });
      step.ent.unacked.push(step.id);
      step.ent.row = step.id;
    }
    this.addCheckpoints(b, false);
    return b;
  }

  /** Checkpoints the entities due (all: every one with rows past its checkpoint) and acknowledges their rows. */
  async checkpoint(all: boolean): Promise<boolean> {
    const b = emptyBatch();
    this.addCheckpoints(b, all);
    return this.commit(b);
  }

  /**
   * Checkpoints an entity (its rows past the last checkpoint are acknowledged with it) and forgets
   * it: its detector may be dropped. False when the lease is lost (nothing written).
   */
  async evict(entity: string): Promise<boolean> {
    const ent = this.entities.get(entity);
    if (!ent) return true;
    this.entities.delete(entity);
    if (!ent.unacked.length) return true; // the stored checkpoint (or none: only refused rows) is its state
    const b = emptyBatch();
    this.addCheckpoint(b, entity, ent, Date.now());
    return this.commit(b);
  }

  /**
   * Gets the detectors of the entities not yet known and reads their checkpoints (one HMGET);
   * answers the entities without a detector and why.
   */
  private async restore(entities: string[], keep: ReadonlySet<string>): Promise<Map<string, string>> {
    const without = new Map<string, string>();
    const found: { entity: string; det: Detector }[] = [];
    for (const entity of new Set(entities)) {
      if (this.entities.has(entity)) continue;
      const det = await this.detectors.get(entity, keep, this.opts.evict);
      if ('refused' in det) without.set(entity, det.refused);
      else found.push({ entity, det });
    }
    if (!found.length) return without;
    const key = this.keys.state(this.shard);
    const saved = await this.redis.hmgetBuffer(key, ...found.map((f) => f.entity));
    const policy = { onBadValue: this.opts.onBadValue, timestampOrder: this.opts.timestampOrder, top: this.opts.top };
    found.forEach(({ entity, det }, i) => {
      const raw = saved[i];
      if (raw === null) return void this.entities.set(entity, { det, stream: det.stream(policy), row: null, unacked: [], dueAt: this.firstDue() });
      const cp = decodeCheckpoint(raw, { entity, key });
      try {
        this.entities.set(entity, { det, stream: det.stream({ ...policy, restore: cp.state }), row: cp.row, unacked: [], dueAt: this.firstDue() });
      } catch (e) {
        throw new Error(`the checkpoint of entity "${entity}" (${key}) cannot be restored on this detector: ${(e as Error).message}`);
      }
      this.counters.restores++;
    });
    return without;
  }

  private refuse(b: Batch, entity: string, row: string, reason: string, fields: string[]): void {
    const out: Output = { kind: 'd', entity, row, fields: ['e', entity, 'row', row, 'reason', reason, 'fields', JSON.stringify(fieldMap(fields))] };
    b.outputs.push(out);
    b.acks.push(row); // a refused row changed no state: nothing to replay
  }

  /**
   * The first time-based checkpoint of a new entity, spread over a period: entities seen together
   * (a takeover restores many at once) would otherwise all be checkpointed in one large commit.
   */
  private firstDue(): number {
    return Date.now() + this.opts.checkpointMs * (0.5 + Math.random() / 2);
  }

  /** Adds the checkpoints due (all: every entity with rows past its checkpoint) and their acks. */
  private addCheckpoints(b: Batch, all: boolean): void {
    const now = Date.now();
    for (const [entity, ent] of this.entities) {
      if (!ent.unacked.length || (!all && ent.unacked.length < this.opts.checkpointRows && now < ent.dueAt)) continue;
      this.addCheckpoint(b, entity, ent, now);
    }
  }

  /** Adds one entity's checkpoint and the acknowledgement of the rows it holds. */
  private addCheckpoint(b: Batch, entity: string, ent: Entity, now: number): void {
    const cp: Checkpoint = { row: ent.row!, state: ent.stream.state() };
    b.states.set(entity, encodeCheckpoint(cp));
    b.acks.push(...ent.unacked);
    ent.unacked = [];
    ent.dueAt = now + this.opts.checkpointMs;
  }

  private async commit(b: Batch): Promise<boolean> {
    if (isEmpty(b)) return true;
    return this.committed((await commitBatches(this.redis, this.keys, this.token, [{ shard: this.shard, batch: b }]))[0]);
  }

  /** Counts what a commit of this shard wrote; false when it was refused (the lease is lost). */
  committed(done: Committed | null): boolean {
    if (!done) return false;
    this.counters.scored += done.results;
    this.counters.dead += done.dead;
    this.counters.duplicatesSkipped += done.skipped;
    return true;
  }
}
