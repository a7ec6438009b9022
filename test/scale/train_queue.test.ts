// The training queue of issue 22 (docs/train_queue.md) with a real Redis: two `vigil train-queue
// work` processes train a folder of entities, one is SIGKILLed mid-job; its job is taken over
// after the visibility timeout and every bundle equals, byte for byte, what `vigil train` writes
// for that entity alone. An entity with a malformed file ends failed with the file, line and
// column after its attempts, and the others are done. An unreachable Redis is a clear error.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { Detector } from '../../lib/detect/detector';
import { bundlePath } from '../../lib/scale/bundle_path';
import { TRAIN_GROUP, trainQueueKeys } from '../../lib/scale/train_queue_keys';
import type { TrainRecord } from '../../lib/scale/train_queue';
import { BIN } from '../helpers/cli';
import { vigilInProcess } from '../helpers/cli_inprocess';
import { rowOf, series, writeCsv } from '../detect/detector_fixture';
import { useFleet, waitFor, REDIS_URL, TINY_LSTM_AE } from './fleet';

/** The flags every job trains with: the tiny LSTM-AE, a few epochs (about a second a job here), one thread. */
const TRAIN_ARGS = ['--model', 'lstm-ae', '--config', JSON.stringify(TINY_LSTM_AE), '--timestamp', 'time', '--epochs', '6', '--seed', '5', '--threads', '1'];
const GOOD = ['pump-1', 'pump 2', 'valve.3', 'e4', 'e5'];

interface Proc {
  proc: ChildProcess;
  out: string;
  err: string;
  exited: Promise<number | null>;
}

function vigil(args: string[]): Proc {
  const proc = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const p: Proc = { proc, out: '', err: '', exited: new Promise((r) => proc.on('exit', (code) => r(code))) };
  proc.stdout!.on('data', (d) => (p.out += d));
  proc.stderr!.on('data', (d) => (p.err += d));
  return p;
}

async function records(ctx: { redis: import('../../lib/scale/redis').RedisClient; prefix: string }): Promise<Record<string, TrainRecord>> {
  const raw = await ctx.redis.hgetall(trainQueueKeys(ctx.prefix).records);
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, JSON.parse(v) as TrainRecord]));
}

describe('vigil train-queue: 2 workers, one SIGKILLed mid-job, a malformed entity', function () {
  this.timeout(120000);
  const ctx = useFleet();
  const run = { data: '', bundles: '', victim: '', victimEntity: '', survivor: null as Proc | null, code: null as number | null };

  before(async function () {
    if (!REDIS_URL) return this.skip();
    run.data = join(ctx.dir, 'data');
    run.bundles = join(ctx.dir, 'bundles');
    mkdirSync(run.data);
    GOOD.forEach((e, k) => writeCsv(join(run.data, `${e}.csv`), series(500, 30 + k, false)));
    // line 41 of bad.csv (its 40th row): a word where column d's number belongs
    writeCsv(join(run.data, 'bad.csv'), series(500, 99, false));
    const lines = readFileSync(join(run.data, 'bad.csv'), 'utf8').split('\n');
    lines[40] = lines[40].replace(/,[^,]*$/, ',oops');
    writeFileSync(join(run.data, 'bad.csv'), lines.join('\n'));

    const common = ['--redis', REDIS_URL, '--prefix', ctx.prefix];
    const submit = vigil(['train-queue', 'submit', ...common, '--data-dir', run.data, '--bundles', run.bundles, ...TRAIN_ARGS, '--json']);
    assert.equal(await submit.exited, 0, submit.err);
    assert.equal(JSON.parse(submit.out).queued.length, GOOD.length + 1);
    const workers = ['w0', 'w1'].map((name) => vigil(['train-queue', 'work', ...common, '--name', name, '--visibility-ms', '1500', '--max-attempts', '2', '--until-empty', '--json']));
    let w0exited = false;
    void workers[0].exited.then(() => (w0exited = true));

    // SIGKILL w0 while it trains a good entity (its record says so), then wait for w1 to finish everything.
    await waitFor(() => `w0 training a good entity; the workers said:\n${workers.map((w) => w.err.slice(-3000)).join('\n')}`, async () => {
      const r = await records(ctx);
      run.victimEntity = GOOD.find((e) => r[e]?.state === 'running' && r[e].worker === 'w0') ?? '';
      if (!run.victimEntity && w0exited) throw new Error(`w0 exited before it was seen training a good entity:\n${workers[0].err}`);
      return run.victimEntity !== '';
    }, 30000);
    workers[0].proc.kill('SIGKILL');
    await workers[0].exited;
    run.survivor = workers[1];
    // w1 exits once no job is queued or pending: after it took over w0's job (1.5 s idle) and did the rest
    run.code = await Promise.race([workers[1].exited, new Promise<number | null>((r) => setTimeout(() => r(-1), 45000))]);
    if (run.code === -1) workers[1].proc.kill('SIGKILL');
  });

  it('takes over the killed worker\'s job; every bundle equals `vigil train` of that entity alone, byte for byte; none lost or pending', async () => {
    const w1 = run.survivor!;
    assert.equal(run.code, 0, `w1 ${run.code === -1 ? 'did not finish the queue within 45 s' : 'failed'}:\n${w1.err.slice(-4000)}`);
    const r = await records(ctx);
    const victim = r[run.victimEntity];
    assert.equal(victim.state, 'done', JSON.stringify(victim));
    assert.equal(victim.attempts, 2, `${run.victimEntity}: the killed attempt and the retry: ${JSON.stringify(victim)}`);
    assert.equal(victim.interrupted, 1);
    assert.equal(victim.worker, 'w1');
    assert.ok(JSON.parse(w1.out).takenOver >= 1, w1.out);
    for (const e of GOOD) assert.equal(r[e].state, 'done', `${e}: ${JSON.stringify(r[e])}`);

    const keys = trainQueueKeys(ctx.prefix);
    assert.equal(await ctx.redis.xlen(keys.jobs), 0, 'every job entry is closed');
    const pending = (await ctx.redis.call('XPENDING', keys.jobs, TRAIN_GROUP)) as [number, ...unknown[]];
    assert.equal(pending[0], 0, 'no job left pending');
    assert.deepEqual(await ctx.redis.hgetall(keys.counts).then((c) => [c.queued, c.running, c.done, c.failed].map(Number)), [0, 0, GOOD.length, 1]);
    // only the bundles, no temporary file (the killed attempt's is removed by the retry)
    assert.deepEqual(readdirSync(run.bundles).sort(), GOOD.map((e) => bundlePath('', e)).sort());

    // `vigil train` for each entity alone, with the same flags: the same bytes.
    const ref = join(ctx.dir, 'ref');
    mkdirSync(ref);
    const refs = GOOD.map((e) => vigil(['train', '--data', join(run.data, `${e}.csv`), '--out', bundlePath(ref, e), ...TRAIN_ARGS]));
    const codes = await Promise.all(refs.map((p) => p.exited));
    assert.deepEqual(codes, GOOD.map(() => 0), refs.map((p) => p.err).join('\n'));
    const fixed = series(120, 7);
    const rows = Array.from({ length: fixed.rows }, (_, i) => rowOf(fixed, i));
    for (const e of GOOD) {
      const got = readFileSync(bundlePath(run.bundles, e)), want = readFileSync(bundlePath(ref, e));
      assert.ok(got.equals(want), `${e}: the queue's bundle differs from vigil train's`);
      // and it loads and scores (the same scores as the reference, as the bytes are the same)
      const [a, b] = await Promise.all([Detector.load(bundlePath(run.bundles, e)), Detector.load(bundlePath(ref, e))]);
      try {
        const [sa, sb] = [await a.scoreBatch(rows), await b.scoreBatch(rows)];
        const score = (x: (typeof sa)[number]) => (x.ready ? x.score : null);
        assert.deepEqual(sa.map(score), sb.map(score));
        assert.ok(sa.some((x) => x.ready && Number.isFinite(x.score)));
      } finally {
        await Promise.all([a.dispose(), b.dispose()]);
      }
    }
  });

  it('a malformed entity fails after its attempts with the file, line and column; status --json says so', async () => {
    const bad = (await records(ctx)).bad;
    assert.equal(bad.state, 'failed');
    assert.equal(bad.attempts, 2);
    assert.match(bad.error!, /bad\.csv line 41, column "d": text in a numeric column \("oops"\)/);
    assert.ok(!existsSync(bundlePath(run.bundles, 'bad')));
    const status = vigil(['train-queue', 'status', '--redis', REDIS_URL!, '--prefix', ctx.prefix, '--json']);
    assert.equal(await status.exited, 0, status.err);
    const s = JSON.parse(status.out);
    assert.deepEqual(s.counts, { queued: 0, running: 0, done: GOOD.length, failed: 1 });
    assert.deepEqual(s.failed.map((f: { entity: string }) => f.entity), ['bad']);
    assert.match(s.failed[0].error, /line 41, column "d"/);
    assert.ok(s.meanSeconds > 0);
  });
});

describe('vigil train-queue: an unreachable Redis', () => {
  for (const sub of ['status', 'work'])
    it(`${sub}: exits 1 naming the address and how to start Redis`, async () => {
      const p = vigil(['train-queue', sub, '--redis', 'redis://127.0.0.1:1']);
      assert.equal(await p.exited, 1);
      assert.match(p.err, /cannot reach Redis at redis:\/\/127\.0\.0\.1:1: .*Start one with: redis-server/);
    });
});

describe('vigil train-queue work: SIGTERM', function () {
  this.timeout(90000);
  const ctx = useFleet();
  // long enough jobs (about 2-5 s each here) that a signal lands mid-job
  const LONG = [...TRAIN_ARGS.filter((a, i) => a !== '--epochs' && TRAIN_ARGS[i - 1] !== '--epochs'), '--epochs', '60', '--patience', '1000'];

  async function runningOn(worker: Proc): Promise<string> {
    let entity = '';
    await waitFor(() => `a job running:\n${worker.err}`, async () => {
      const r = await records(ctx);
      entity = Object.keys(r).find((e) => r[e].state === 'running') ?? '';
      return entity !== '';
    }, 30000);
    return entity;
  }

  it('once: the job in hand is finished and the worker exits 0; twice: the job is given back, its attempt not counted', async function () {
    if (!REDIS_URL) return this.skip();
    const data = join(ctx.dir, 'data'), bundles = join(ctx.dir, 'bundles');
    mkdirSync(data);
    ['a', 'b'].forEach((e, k) => writeCsv(join(data, `${e}.csv`), series(500, 40 + k, false)));
    const common = ['--redis', REDIS_URL, '--prefix', ctx.prefix];
    const submit = vigil(['train-queue', 'submit', ...common, '--data-dir', data, '--bundles', bundles, ...LONG]);
    assert.equal(await submit.exited, 0, submit.err);

    const first = vigil(['train-queue', 'work', ...common, '--json']);
    const finished = await runningOn(first);
    first.proc.kill('SIGTERM');
    assert.equal(await first.exited, 0, first.err);
    assert.equal(JSON.parse(first.out).done, 1, first.err);
    let r = await records(ctx);
    const other = finished === 'a' ? 'b' : 'a';
    assert.deepEqual([r[finished].state, r[other].state, r[other].attempts], ['done', 'queued', 0]);
    assert.ok(existsSync(bundlePath(bundles, finished)));

    const second = vigil(['train-queue', 'work', ...common]);
    assert.equal(await runningOn(second), other);
    second.proc.kill('SIGTERM');
    await new Promise((res) => setTimeout(res, 200));
    second.proc.kill('SIGTERM');
    assert.equal(await second.exited, 0, second.err);
    assert.match(second.err, new RegExp(`gave ${other} back to the queue`));
    r = await records(ctx);
    assert.deepEqual([r[other].state, r[other].attempts], ['queued', 0]);
    assert.deepEqual(readdirSync(bundles), [bundlePath('', finished)], 'no bundle or temporary file of the job given back');
    const keys = trainQueueKeys(ctx.prefix);
    assert.equal(await ctx.redis.xlen(keys.jobs), 1);
    assert.equal(((await ctx.redis.call('XPENDING', keys.jobs, TRAIN_GROUP)) as [number])[0], 0, 'not pending: any worker takes it at once');
  });
});

describe('vigil train-queue: usage errors (exit 2, before Redis is asked)', () => {
  const cases: [string[], RegExp][] = [
    [['train-queue', 'submit', '--data', 'x.csv'], /^vigil: train-queue submit: --data is per run; the queue takes --data-dir \(one CSV per entity\)$/],
    [['train-queue', 'submit', '--bundles', 'b'], /--data-dir is required/],
    [['train-queue', 'submit', '--data-dir', '.', '--bundles', 'b', '--epochs', '0'], /^vigil: train-queue submit: --epochs must be a whole number >= 1, got 0$/],
    [['train-queue', 'work', '--max-attempts', '0'], /--max-attempts must be a whole number >= 1/],
    [['train-queue', 'start'], /unknown subcommand "start" \(submit, work or status\)/],
  ];
  for (const [args, msg] of cases)
    it(args.slice(1).join(' '), async () => {
      const r = await vigilInProcess(args);
      assert.equal(r.code, 2, r.err);
      assert.match(r.err, msg);
    });
});
