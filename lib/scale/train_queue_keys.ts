// The Redis keys of a training queue (docs/train_queue.md), under the fleet's key prefix beside
// the scoring keys of lib/scale/keys.ts: one stream of jobs read through one consumer group, a
// hash of one record per entity, and a hash of counts by state.

/** The consumer group the training workers read the job stream through. */
export const TRAIN_GROUP = 'vigil-train';

export interface TrainQueueKeys {
  prefix: string;
  /** The stream of jobs not yet finished: an entry per queued or running job. */
  jobs: string;
  /** Entity -> its record (JSON, TrainRecord). */
  records: string;
  /** State -> how many records are in it; `seconds`: the training seconds of the jobs done. */
  counts: string;
}

export function trainQueueKeys(prefix: string): TrainQueueKeys {
  if (!/^[\w.:-]{1,64}$/.test(prefix)) throw new Error(`the key prefix must be 1-64 characters of letters, digits, _ . : -, got "${prefix}"`);
  return { prefix, jobs: `${prefix}:train:jobs`, records: `${prefix}:train:records`, counts: `${prefix}:train:counts` };
}
