// Per-entity training fan-out on Redis Streams (docs/train_queue.md): one job per entity in a
// stream read by a consumer group of training workers (lib/scale/train_queue_worker.ts), one
// record per entity with its state (queued, running, done, failed), attempts and last error.
// This file submits jobs and reads the queue's state; lib/scale/train_queue_script.ts holds the
// scripts that change it.
import type { RedisClient } from './redis';
import { SUBMIT } from './train_queue_script';
import { TRAIN_GROUP, type TrainQueueKeys } from './train_queue_keys';

/** One entity's training: its data file, where its bundle goes, and how to train (the training command's flags). */
export interface TrainJob {
  entity: string;
  /** The entity's training data (an absolute path: workers may run elsewhere). */
  data: string;
  /** Where its bundle is written (lib/scale/bundle_path.ts bundlePath). */
  bundle: string;
  /** The training flags, as on the command line, without the data and output ones. */
  args: string[];
}

export type TrainState = 'queued' | 'running' | 'done' | 'failed';
export const TRAIN_STATES: readonly TrainState[] = ['queued', 'running', 'done', 'failed'];

/** An entity's record (times are ms on Redis' clock). */
export interface TrainRecord {
  state: TrainState;
  /** Attempts started so far (a released attempt, from a worker told to stop, is not counted). */
  attempts: number;
  bundle: string;
  data: string;
  /** The last attempt's error; for a failed job, why it failed. */
  error?: string;
  /** The worker of the running (or last) attempt. */
  worker?: string;
  /** Attempts that ended with their worker gone. */
  interrupted?: number;
  /** Training seconds of the attempt that succeeded. */
  seconds?: number;
  submitted: number;
  started?: number;
  updated: number;
}

/** Creates the job stream's consumer group if it is missing (from the stream's start: no job is skipped). */
export async function ensureTrainGroup(redis: RedisClient, keys: TrainQueueKeys): Promise<void> {
  try {
    await redis.xgroup('CREATE', keys.jobs, TRAIN_GROUP, '0', 'MKSTREAM');
  } catch (e) {
    if (!String((e as Error).message).startsWith('BUSYGROUP')) throw e;
  }
}

export interface SubmitReport {
  /** Entities queued now (new, failed before, or done before with retrain). */
  queued: string[];
  /** Entities left as they were: already queued or running, or done (without retrain). */
  skipped: { entity: string; state: TrainState }[];
}

/** Queues a job per entity; an entity's job is queued at most once at a time. `retrain`: queue entities already done, too. */
export async function submitJobs(redis: RedisClient, keys: TrainQueueKeys, jobs: readonly TrainJob[], retrain = false): Promise<SubmitReport> {
  const seen = new Set<string>();
  for (const j of jobs) {
    if (!j.entity) throw new Error('a training job needs an entity name');
    if (seen.has(j.entity)) throw new Error(`the entity "${j.entity}" has two jobs in one submission`);
    seen.add(j.entity);
  }
  await ensureTrainGroup(redis, keys);
  const replies = (await SUBMIT.pipelined(redis, jobs.map((j) => ({
    keys: [keys.jobs, keys.records, keys.counts],
    args: [j.entity, j.bundle, j.data, JSON.stringify(j), retrain ? '1' : '0'],
  })))) as [string, number][];
  const report: SubmitReport = { queued: [], skipped: [] };
  replies.forEach(([from, queued], i) => {
    if (queued) report.queued.push(jobs[i].entity);
    else report.skipped.push({ entity: jobs[i].entity, state: from as TrainState });
  });
  return report;
}

export interface TrainQueueStatus {
  counts: Record<TrainState, number>;
  /** Mean training seconds of the jobs done (null before the first). */
  meanSeconds: number | null;
  /** Roughly how long the queued and running jobs take yet: one mean job each, spread over the busy workers. Null without a mean. */
  secondsLeft: number | null;
  /** The failed jobs and why. */
  failed: { entity: string; attempts: number; error: string }[];
  /** The running jobs: their worker and how long ago it last showed it is alive (the entry's idle time). */
  running: { entity: string; worker: string; attempt: number; idleMs: number | null }[];
}

/** The counts by state (one read, cheap: what a worker prints after each job) and the time left. */
export async function queueCounts(redis: RedisClient, keys: TrainQueueKeys): Promise<Pick<TrainQueueStatus, 'counts' | 'meanSeconds' | 'secondsLeft'>> {
  const raw = await redis.hgetall(keys.counts);
  const counts = Object.fromEntries(TRAIN_STATES.map((s) => [s, Number(raw[s] ?? 0)])) as Record<TrainState, number>;
  const meanSeconds = counts.done > 0 ? Number(raw.seconds ?? 0) / counts.done : null;
  const secondsLeft = meanSeconds === null ? null : ((counts.queued + counts.running) * meanSeconds) / Math.max(1, counts.running);
  return { counts, meanSeconds, secondsLeft };
}

/** The whole state: counts, failed jobs with their reasons, running jobs with their workers. Reads every record. */
export async function queueStatus(redis: RedisClient, keys: TrainQueueKeys): Promise<TrainQueueStatus> {
  const status: TrainQueueStatus = { ...(await queueCounts(redis, keys)), failed: [], running: [] };
  const records = await redis.hgetall(keys.records);
  const idle = new Map<string, number>();
  if (status.counts.running > 0 && (await redis.exists(keys.jobs))) {
    try {
      const pending = (await redis.call('XPENDING', keys.jobs, TRAIN_GROUP, '-', '+', 100000)) as [string, string, number, number][];
      const entities = await Promise.all(pending.map(([id]) => redis.xrange(keys.jobs, id, id)));
      pending.forEach(([, , ms], i) => {
        const fields = entities[i][0]?.[1] ?? [];
        const at = fields.indexOf('entity');
        if (at >= 0) idle.set(fields[at + 1], ms);
      });
    } catch (e) {
      if (!String((e as Error).message).startsWith('NOGROUP')) throw e;
    }
  }
  for (const entity of Object.keys(records).sort()) {
    const r = JSON.parse(records[entity]) as TrainRecord;
    if (r.state === 'failed') status.failed.push({ entity, attempts: r.attempts, error: r.error ?? 'no reason recorded' });
    if (r.state === 'running') status.running.push({ entity, worker: r.worker ?? '?', attempt: r.attempts, idleMs: idle.get(entity) ?? null });
  }
  return status;
}
