// The training queue's worker in process (lib/scale/train_queue_worker.ts) with a real Redis and
// stand-in trainers that write a few bytes: a failed attempt is queued again, a job out of
// attempts is failed with its reason, a job whose workers died each time is failed saying so, and
// a worker whose job was taken over writes nothing (no bundle, no record change).
import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { submitJobs, queueStatus, type TrainJob, type TrainRecord } from '../../lib/scale/train_queue';
import { TRAIN_GROUP, trainQueueKeys, type TrainQueueKeys } from '../../lib/scale/train_queue_keys';
import { TrainQueueWorker, type Trainer } from '../../lib/scale/train_queue_worker';
import { STEP } from '../../lib/scale/train_queue_script';
import { useFleet } from './fleet';

describe('lib/scale/train_queue_worker: attempts, failures, takeover', function () {
  this.timeout(30000);
  const ctx = useFleet();
  let n = 0;
  /** A fresh queue (its own prefix under the suite's) with one job per entity. */
  async function queue(entities: string[]): Promise<{ keys: TrainQueueKeys; jobs: TrainJob[] }> {
    const keys = trainQueueKeys(`${ctx.prefix}:q${n++}`);
    const jobs = entities.map((entity) => ({ entity, data: `/data/${entity}.csv`, bundle: join(ctx.dir, `${keys.prefix}-${entity}.vigil`), args: [] }));
    assert.deepEqual((await submitJobs(ctx.redis, keys, jobs)).queued, entities);
    return { keys, jobs };
  }
  const record = async (keys: TrainQueueKeys, e: string) => JSON.parse((await ctx.redis.hget(keys.records, e))!) as TrainRecord;
  const writes: Trainer = async (job, out) => writeFileSync(out, `bundle of ${job.entity}`);

  it('a failed attempt is queued again and done on the next; a job failing every attempt is failed with the last error', async () => {
    const { keys, jobs } = await queue(['flaky', 'broken']);
    let flaky = 0;
    const worker = new TrainQueueWorker(ctx.redis, keys, async (job, out) => {
      if (job.entity === 'broken') throw new Error(`${job.data} line 3, column "x": not a number`);
      if (flaky++ === 0) throw new Error('a passing hiccup');
      await writes(job, out);
    }, { maxAttempts: 3, untilEmpty: true, visibilityMs: 1000 });
    const report = await worker.run();
    assert.deepEqual(report, { done: 1, failed: 1, retried: 3, takenOver: 0, released: 0 });
    const f = await record(keys, 'flaky');
    assert.equal(f.state, 'done');
    assert.equal(f.attempts, 2);
    assert.equal(f.error, undefined);
    assert.equal(readFileSync(jobs[0].bundle, 'utf8'), 'bundle of flaky');
    const b = await record(keys, 'broken');
    assert.deepEqual([b.state, b.attempts, b.error], ['failed', 3, '/data/broken.csv line 3, column "x": not a number']);
    assert.ok(!existsSync(jobs[1].bundle));
    const s = await queueStatus(ctx.redis, keys);
    assert.deepEqual(s.counts, { queued: 0, running: 0, done: 1, failed: 1 });
    assert.equal(await ctx.redis.xlen(keys.jobs), 0);
  });

  it('a job whose worker died in each of its attempts is failed saying so, not retried forever', async () => {
    const { keys } = await queue(['poison']);
    // A worker takes the job, starts it, and dies (nothing more happens under its name).
    const [[, [[id]]]] = (await ctx.redis.call('XREADGROUP', 'GROUP', TRAIN_GROUP, 'ghost', 'COUNT', 1, 'STREAMS', keys.jobs, '>')) as [string, [string, string[]][]][];
    const [started] = (await STEP.run(ctx.redis, [keys.jobs, keys.records, keys.counts], ['start', TRAIN_GROUP, id, 'poison', 'ghost', 1])) as number[];
    assert.equal(started, 1);
    let trained = 0;
    const worker = new TrainQueueWorker(ctx.redis, keys, async () => void trained++, { maxAttempts: 1, untilEmpty: true, visibilityMs: 100 });
    assert.deepEqual(await worker.run(), { done: 0, failed: 1, retried: 0, takenOver: 0, released: 0 });
    assert.equal(trained, 0);
    const r = await record(keys, 'poison');
    assert.equal(r.state, 'failed');
    assert.match(r.error!, /^1 attempts used, 1 of them ended by their worker stopping/);
    assert.equal(await ctx.redis.xlen(keys.jobs), 0);
  });

  it('a worker whose job another took over (it was quiet past the timeout) writes no bundle and records nothing', async () => {
    const { keys, jobs } = await queue(['slow']);
    let finish!: () => void;
    const gate = new Promise<void>((r) => (finish = r));
    let entered!: () => void;
    const training = new Promise<void>((r) => (entered = r));
    const worker = new TrainQueueWorker(ctx.redis, keys, async (job, out) => {
      entered();
      await gate;
      await writes(job, out);
    }, { name: 'slow-one', visibilityMs: 60000 });
    const running = worker.run();
    await training;
    // Another worker claims the entry, as XAUTOCLAIM does once it has been idle past the timeout.
    const [[id]] = (await ctx.redis.call('XPENDING', keys.jobs, TRAIN_GROUP, '-', '+', 10)) as [string, string][];
    await ctx.redis.call('XCLAIM', keys.jobs, TRAIN_GROUP, 'other', 0, id, 'JUSTID');
    finish();
    worker.stop();
    assert.deepEqual(await running, { done: 0, failed: 0, retried: 0, takenOver: 0, released: 0 });
    assert.ok(!existsSync(jobs[0].bundle));
    assert.deepEqual(readdirSync(ctx.dir).filter((f) => f.includes(`${keys.prefix}-slow`)), [], 'no temporary file left');
    const r = await record(keys, 'slow');
    assert.deepEqual([r.state, r.worker], ['running', 'slow-one'], 'the record is the new holder\'s to change');
    const pending = (await ctx.redis.call('XPENDING', keys.jobs, TRAIN_GROUP, '-', '+', 10)) as [string, string][];
    assert.deepEqual(pending.map(([i, who]) => [i, who]), [[id, 'other']]);
  });

  it('submitting again skips queued, running and done entities (unless retrain) and queues failed ones', async () => {
    const { keys, jobs } = await queue(['a', 'b']);
    const worker = new TrainQueueWorker(ctx.redis, keys, async (job, out) => {
      if (job.entity === 'b') throw new Error('bad data');
      await writes(job, out);
    }, { maxAttempts: 1, untilEmpty: true });
    await worker.run();
    const again = await submitJobs(ctx.redis, keys, jobs);
    assert.deepEqual(again, { queued: ['b'], skipped: [{ entity: 'a', state: 'done' }] });
    assert.deepEqual((await submitJobs(ctx.redis, keys, jobs)).skipped, [{ entity: 'a', state: 'done' }, { entity: 'b', state: 'queued' }]);
    assert.deepEqual((await submitJobs(ctx.redis, keys, jobs, true)).queued, ['a']);
    assert.deepEqual((await queueStatus(ctx.redis, keys)).counts, { queued: 2, running: 0, done: 0, failed: 0 });
    await assert.rejects(submitJobs(ctx.redis, keys, [jobs[0], jobs[0]]), /"a" has two jobs in one submission/);
  });
});
