// A training worker of the queue (docs/train_queue.md). It takes one job at a time from the
// consumer group: first a job whose worker went quiet (its pending entry idle past the visibility
// timeout: that worker died), else a new one. While it trains, it resets its entry's idle time
// every third of the timeout (training yields to the event loop between batches), so only a dead
// worker's job is taken over. The bundle is trained into a temporary file beside its place and
// renamed into place when whole; only then is the job acknowledged. A failed attempt is queued
// again until the job is out of attempts, then recorded as failed with its reason.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';

import { removeStaleTemps, replaceWith, tempPath } from '../io/atomic';
import type { RedisClient } from './redis';
import { ensureTrainGroup, queueCounts, type TrainJob } from './train_queue';
import { TRAIN_GROUP, type TrainQueueKeys } from './train_queue_keys';
import { STEP } from './train_queue_script';

/** Trains `job`, writing its bundle to `out` (the training command, called in process). */
export type Trainer = (job: TrainJob, out: string) => Promise<void>;

export interface TrainWorkerOptions {
  /** The consumer name (default host-pid-random). */
  name?: string;
  /** ms a job's entry may stay idle before its worker is taken for dead and the job retried (default 60000). */
  visibilityMs?: number;
  /** Attempts a job gets before it is failed (default 3); a worker dying mid-job uses one. */
  maxAttempts?: number;
  /** Return once no job is queued or running (a dead worker's job included), instead of waiting for more. */
  untilEmpty?: boolean;
  log?: (line: string) => void;
}

export interface TrainWorkReport {
  done: number;
  /** Jobs this worker recorded as failed. */
  failed: number;
  /** Attempts that failed and were queued again. */
  retried: number;
  /** Jobs taken over from a worker that went quiet. */
  takenOver: number;
  /** Jobs given back unfinished (release). */
  released: number;
}

type Entry = [id: string, fields: string[]];

export class TrainQueueWorker {
  readonly name: string;
  readonly report: TrainWorkReport = { done: 0, failed: 0, retried: 0, takenOver: 0, released: 0 };
  private readonly visibilityMs: number;
  private readonly maxAttempts: number;
  private readonly log: (line: string) => void;
  private stopping = false;
  private current: { id: string; job: TrainJob; staging: string } | null = null;

  constructor(private readonly redis: RedisClient, private readonly keys: TrainQueueKeys, private readonly train: Trainer, private readonly opts: TrainWorkerOptions = {}) {
    this.name = opts.name ?? `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    this.visibilityMs = opts.visibilityMs ?? 60000;
    this.maxAttempts = opts.maxAttempts ?? 3;
    if (!(Number.isInteger(this.visibilityMs) && this.visibilityMs >= 100)) throw new Error(`the visibility timeout must be a whole number of ms >= 100, got ${this.visibilityMs}`);
    if (!(Number.isInteger(this.maxAttempts) && this.maxAttempts >= 1)) throw new Error(`max attempts must be a whole number >= 1, got ${this.maxAttempts}`);
    this.log = opts.log ?? (() => {});
  }

  /** Finish the job in hand, then return from run(). */
  stop(): void {
    this.stopping = true;
  }

  /** Gives the job in hand back to the queue now, its attempt not counted (before exiting mid-job); its entity, or null. */
  async release(): Promise<string | null> {
    this.stopping = true;
    const c = this.current;
    if (!c) return null;
    this.current = null;
    rmSync(c.staging, { force: true });
    const [ok] = (await this.step('release', c)) as number[];
    if (!ok) return null;
    this.report.released++;
    return c.job.entity;
  }

  async run(): Promise<TrainWorkReport> {
    await ensureTrainGroup(this.redis, this.keys);
    while (!this.stopping) {
      const entry = await this.take();
      if (entry) await this.runJob(entry);
      else if (this.opts.untilEmpty && (await this.redis.xlen(this.keys.jobs)) === 0) break;
    }
    return this.report;
  }

  /** A dead worker's job if one has been idle past the timeout, else a new one (waiting up to a second). */
  private async take(): Promise<{ entry: Entry; takenOver: boolean } | null> {
    let cursor = '0-0';
    do {
      const [next, entries] = (await this.redis.call('XAUTOCLAIM', this.keys.jobs, TRAIN_GROUP, this.name, this.visibilityMs, cursor, 'COUNT', 1)) as [string, Entry[]];
      if (entries.length) return { entry: entries[0], takenOver: true };
      cursor = next;
    } while (cursor !== '0-0');
    const reply = (await this.redis.call('XREADGROUP', 'GROUP', TRAIN_GROUP, this.name, 'COUNT', 1, 'BLOCK', 1000, 'STREAMS', this.keys.jobs, '>')) as [string, Entry[]][] | null;
    const entry = reply?.[0]?.[1]?.[0];
    return entry ? { entry, takenOver: false } : null;
  }

  private step(step: string, c: { id: string; job: TrainJob }, ...args: (string | number)[]): Promise<unknown> {
    return STEP.run(this.redis, [this.keys.jobs, this.keys.records, this.keys.counts], [step, TRAIN_GROUP, c.id, c.job.entity, this.name, ...args]);
  }

  private async runJob({ entry: [id, fields], takenOver }: { entry: Entry; takenOver: boolean }): Promise<void> {
    const job = JSON.parse(fields[fields.indexOf('job') + 1]) as TrainJob;
    const c = { id, job, staging: tempPath(job.bundle) };
    const [code, attempt, interrupted, previous] = (await this.step('start', c, this.maxAttempts)) as [number, number, number | string, string];
    if (code === 0 || code === 3) return; // another worker holds it, or it finished already: its entry is closed
    if (code === 2) {
      this.report.failed++;
      this.log(`${job.entity}: failed: ${interrupted}`);
      return;
    }
    if (takenOver) this.report.takenOver++;
    const from = previous ? `; taken over from ${previous}, which stopped mid-job (${interrupted} such stop${interrupted === 1 ? '' : 's'})` : '';
    this.log(`${job.entity}: training, attempt ${attempt} of ${this.maxAttempts}${from}`);
    mkdirSync(dirname(job.bundle), { recursive: true });
    removeStaleTemps(job.bundle);
    this.current = c;
    let owned = true;
    const beat = setInterval(() => {
      this.step('beat', c).then(
        (r) => {
          if ((r as number[])[0] || !owned) return;
          owned = false;
          this.log(`${job.entity}: another worker took this job over (this one was quiet past the visibility timeout); this attempt's bundle will be dropped`);
        },
        (e) => this.log(`${job.entity}: could not renew the job: ${(e as Error).message}`),
      );
    }, Math.max(50, Math.floor(this.visibilityMs / 3)));
    const t0 = performance.now();
    let error: Error | null = null;
    try {
      await this.train(job, c.staging);
      if (!existsSync(c.staging)) throw new Error(`the training ended without writing the bundle (${c.staging})`);
    } catch (e) {
      error = e as Error;
    } finally {
      clearInterval(beat);
    }
    if (this.current !== c) return; // released meanwhile
    this.current = null;
    const seconds = (performance.now() - t0) / 1000;
    if (error) {
      rmSync(c.staging, { force: true });
      const [ok, state] = (await this.step('error', c, error.message, this.maxAttempts)) as [number, string];
      if (!ok) return;
      if (state === 'failed') this.report.failed++;
      else this.report.retried++;
      this.log(`${job.entity}: attempt ${attempt} failed: ${error.message}; ${state === 'failed' ? 'out of attempts: failed' : 'queued again'}`);
    } else {
      // Still ours? Then the bundle goes into place before the job is acknowledged: a crash between
      // the two retrains the job and writes the same bundle again.
      const [ours] = (await this.step('beat', c)) as number[];
      if (!ours) {
        rmSync(c.staging, { force: true });
        this.log(`${job.entity}: trained in ${seconds.toFixed(1)} s, but another worker holds the job now: this bundle dropped`);
        return;
      }
      replaceWith(c.staging, job.bundle);
      const [ok] = (await this.step('done', c, seconds)) as number[];
      if (!ok) return;
      this.report.done++;
    }
    const q = await queueCounts(this.redis, this.keys);
    const left = q.secondsLeft === null ? '' : `; about ${Math.round(q.secondsLeft)} s left (${q.meanSeconds!.toFixed(1)} s a job, ${Math.max(1, q.counts.running)} busy)`;
    const head = error ? job.entity : `${job.entity}: done in ${seconds.toFixed(1)} s -> ${job.bundle}`;
    this.log(`${head}; queue: ${q.counts.queued} queued, ${q.counts.running} running, ${q.counts.done} done, ${q.counts.failed} failed${left}`);
  }
}
