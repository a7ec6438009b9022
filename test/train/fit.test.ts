// fit: learning, determinism, early stopping with best-weight restore, checkpoints (contents,
// atomic replacement), the JSONL log, loss terms, progress output, a free event loop, a worker
// thread, flat native memory, resume in-process and its refusals.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { linkSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { BundleError } from '../../lib/io/bundle';
import { mseLoss } from '../../lib/ops/losses';
import { mean, square } from '../../lib/ops';
import { CyclicLR, LrSchedule, SGD } from '../../lib/optim';
import { Generator } from '../../lib/random';
import { runOffThread } from '../../lib/runtime/offthread';
import { loadCheckpoint } from '../../lib/train/checkpoint';
import { fit, FitOptions } from '../../lib/train/fit';
import { ConstNet, constData, losses, SeqNet, sineData, TwoParamNet, weightsOf } from './models';

const seqNet = (seed = 3, dropSeed = 9) => {
  const gen = new Generator(seed);
  return { gen, model: new SeqNet(3, 8, gen, new Generator(dropSeed)) };
};
const BASE = { batchSize: 16, lr: 2e-2, progress: false } as const;
const data = sineData(200, 3, 8, 50, 1, 0.3);
type Mem = { buffers: number; bytes: number };

/** Improvement flags by the rule: beat the best so far by more than minDelta. */
function expectedImproved(losses: number[], minDelta: number): boolean[] {
  let best = Infinity;
  return losses.map((v) => {
    const better = v < best - minDelta;
    if (better) best = v;
    return better;
  });
}

describe('fit', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'vigil-fit-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('lowers the training and validation loss of a small LSTM model', async () => {
    const { gen, model } = seqNet();
    const r = await fit(model, data, { ...BASE, epochs: 8, generator: gen });
    const h = r.history;
    assert.equal(h.length, 8);
    assert.ok(h[7].trainLoss < 0.3 * h[0].trainLoss, `train loss ${h[0].trainLoss} -> ${h[7].trainLoss}`);
    assert.ok(h[7].validationLoss! < 0.3 * h[0].validationLoss!, `validation loss ${h[0].validationLoss} -> ${h[7].validationLoss}`);
    assert.ok(h.every((e) => e.lr === 2e-2));
    model.dispose();
  });

  it('repeats bit for bit for a seed; another shuffling seed or no shuffling changes the run', async () => {
    const run = async (opts: Partial<FitOptions>) => {
      const model = new SeqNet(3, 8, new Generator(3), new Generator(9));
      const r = await fit(model, data, { ...BASE, epochs: 3, ...opts });
      const w = weightsOf(model);
      model.dispose();
      return { h: losses(r.history), w };
    };
    const a = await run({ seed: 5 }), b = await run({ seed: 5 }), c = await run({ seed: 6 }), d = await run({ shuffle: false });
    assert.deepEqual(b, a);
    assert.notDeepEqual(c.h, a.h);
    assert.notDeepEqual(d.h, a.h);
  });

  it('stops early after `patience` epochs without improvement and restores the best weights', async () => {
    // w starts at 0 and moves towards the training target 1; the validation target 0.3 is passed
    // on the way, so the validation loss falls, then rises.
    const model = new ConstNet(2);
    const seen: Record<number, number[]> = {};
    const patience = 3;
    const r = await fit(model, constData(2, 4, 1, 0.3), {
      epochs: 50, batchSize: 8, lr: 0.05, patience, progress: false,
      onEpoch: (rec, m) => void (seen[rec.epoch] = Array.from(m.w.toArray())),
    });
    const val = r.history.map((e) => e.validationLoss!);
    const best = val.indexOf(Math.min(...val)) + 1;
    assert.ok(best > 2, `the best epoch (${best}) is not the first ones`);
    assert.equal(r.bestEpoch, best);
    assert.equal(r.history.length, best + patience, 'stopped `patience` epochs after the best');
    assert.ok(r.stoppedEarly);
    assert.deepEqual(r.history.map((e) => e.improved), expectedImproved(val, 0));
    assert.deepEqual(Array.from(model.w.toArray()), seen[best], 'the best epoch\'s weights');
    assert.notDeepEqual(seen[r.history.length], seen[best]);
    // minDelta: an improvement must beat the best by more than it
    const m2 = new ConstNet(2);
    const r2 = await fit(m2, constData(2, 4, 1, 0.3), { epochs: 50, batchSize: 8, lr: 0.05, patience, minDelta: 0.01, progress: false });
    const flags = r2.history.map((e) => e.improved);
    assert.deepEqual(flags, expectedImproved(r2.history.map((e) => e.validationLoss!), 0.01));
    assert.ok(flags.filter(Boolean).length < r.history.filter((e) => e.improved).length, `fewer improving epochs with minDelta: ${flags}`);
    model.dispose();
    m2.dispose();
  });

  it('keeps the last weights without restoreBest, and watches the training loss without validation data', async () => {
    const noVal = { trainCount: 8, validationCount: 0, batch: constData(2, 4, 1, 0.3).batch };
    const model = new ConstNet(2);
    const r = await fit(model, noVal, { epochs: 5, batchSize: 8, lr: 0.05, progress: false, restoreBest: false });
    assert.ok(r.history.every((e) => e.validationLoss === null && e.improved));
    assert.equal(r.bestEpoch, 5);
    assert.equal(r.bestLoss, r.history[4].trainLoss);
    model.dispose();
  });

  it('writes a valid checkpoint atomically after each improving epoch', async () => {
    const { gen, model } = seqNet();
    const path = join(dir, 'ck.vigil');
    const writes: { epoch: number; w: Record<string, number[]> }[] = [];
    const r = await fit(model, data, {
      ...BASE, epochs: 20, generator: gen, restoreBest: false,
      checkpoint: { path, kind: 'seq-net', config: { hidden: 8 }, sections: { schema: ['a', 'b', 'c'] } },
      onEpoch: (rec, m) => {
        if (!rec.improved) return;
        writes.push({ epoch: rec.epoch, w: weightsOf(m) });
        linkSync(path, join(dir, `seen-${rec.epoch}`)); // a second name for this very file
      },
    });
    const improved = r.history.filter((e) => e.improved).map((e) => e.epoch);
    assert.ok(improved.length >= 2 && improved.length < 20, `improving epochs ${improved}`);
    assert.deepEqual(writes.map((w) => w.epoch), improved);
    // Each write made a new file and renamed it over the old name: the files seen earlier (kept
    // by hard links) are untouched. Writing into the file in place would change them all.
    for (const { epoch } of writes) assert.equal(loadCheckpoint(join(dir, `seen-${epoch}`)).training.epoch, epoch);
    assert.deepEqual(readdirSync(dir).filter((f) => !f.startsWith('seen-')), ['ck.vigil'], 'no temporary file left');

    const ck = loadCheckpoint(path);
    const last = writes[writes.length - 1];
    assert.equal(ck.bundle.kind, 'seq-net');
    assert.deepEqual(ck.bundle.config, { hidden: 8 });
    assert.deepEqual(ck.bundle.sections.schema, ['a', 'b', 'c']);
    assert.equal(ck.training.epoch, last.epoch);
    assert.equal(ck.training.bestEpoch, last.epoch);
    assert.equal(ck.training.bestLoss, r.history[last.epoch - 1].validationLoss);
    assert.equal(ck.training.badEpochs, 0);
    assert.deepEqual(ck.training.history, r.history.slice(0, last.epoch));
    for (const [k, t] of ck.model) assert.deepEqual(Array.from(t.data), last.w[k], k);
    assert.ok(ck.model.has('bn.running_mean'), 'buffers are saved');
    const steps = Math.ceil(data.trainCount / 16);
    assert.equal(ck.optimizer.state.length, model.parameters().length);
    assert.ok(ck.optimizer.state.every((s) => s.step === steps * last.epoch && 'exp_avg' in s.buffers && 'exp_avg_sq' in s.buffers));
    assert.equal(ck.optimizerKind, 'Adam');
    const names = ck.training.generators.map((g) => g.name);
    assert.deepEqual(names, ['shuffle', 'drop.gen'], 'the shuffling stream (shared with the LSTM) and the dropout one');
    assert.ok(ck.training.generators.every((g) => g.offset > 0));
    // a truncated or altered file is refused
    const bytes = readFileSync(path);
    writeFileSync(join(dir, 'cut.vigil'), bytes.subarray(0, bytes.length - 10));
    assert.throws(() => loadCheckpoint(join(dir, 'cut.vigil')), BundleError);
    const bad = Buffer.from(bytes);
    bad[bad.length - 1] ^= 1;
    writeFileSync(join(dir, 'bad.vigil'), bad);
    assert.throws(() => loadCheckpoint(join(dir, 'bad.vigil')), /checksum mismatch/);
    model.dispose();
  });

  it('resumes in-process from a checkpoint exactly where an uninterrupted run would be', async () => {
    const opts = (epochs: number, path: string, resume = false): FitOptions => ({
      ...BASE, epochs, restoreBest: false, checkpoint: path, resume, log: join(dir, `${path.endsWith('a') ? 'a' : 'b'}.jsonl`),
    });
    const run = async (epochs: number, path: string, resume = false) => {
      const { gen, model } = seqNet();
      const r = await fit(model, data, { ...opts(epochs, path, resume), generator: gen });
      const w = weightsOf(model);
      model.dispose();
      return { r, w };
    };
    const whole = await run(12, join(dir, 'a'));
    const first = await run(6, join(dir, 'b'));
    assert.ok(first.r.history[5].improved, 'epoch 6 improved, so it is the checkpoint');
    const rest = await run(12, join(dir, 'b'), true);
    assert.equal(rest.r.resumedFrom, 6);
    assert.deepEqual(losses(rest.r.history), losses(whole.r.history));
    assert.deepEqual(rest.w, whole.w);
    const log = (f: string) => losses(readFileSync(join(dir, f), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l)));
    assert.deepEqual(log('b.jsonl'), log('a.jsonl'));
  });

  it('refuses to resume with other settings, another seed, or a missing checkpoint', async () => {
    const path = join(dir, 'ck.vigil');
    const { gen, model } = seqNet();
    await fit(model, data, { ...BASE, epochs: 2, generator: gen, checkpoint: path });
    const fresh = () => seqNet();
    const a = fresh();
    await assert.rejects(fit(a.model, data, { ...BASE, batchSize: 32, epochs: 4, generator: a.gen, checkpoint: path, resume: true }),
      /other settings: batchSize 16 \(now 32\)/);
    await assert.rejects(fit(a.model, data, { ...BASE, epochs: 4, optimizer: 'adamw', checkpoint: path, resume: true, generator: a.gen }),
      /optimizer "Adam" \(now "AdamW"\)/);
    // a shuffling stream with another seed is another setup
    await assert.rejects(fit(model, data, { ...BASE, epochs: 4, generator: new Generator(gen.seed + 1), checkpoint: path, resume: true }),
      /other settings: shuffleSeed \d+ \(now \d+\)/);
    const b = fresh();
    await assert.rejects(fit(b.model, data, { ...BASE, epochs: 4, generator: b.gen, checkpoint: join(dir, 'none.vigil'), resume: true }),
      /cannot read: ENOENT/);
    const r = await fit(b.model, data, { ...BASE, epochs: 1, generator: b.gen, checkpoint: join(dir, 'none.vigil'), resume: 'if-exists' });
    assert.equal(r.resumedFrom, null);
    await assert.rejects(fit(b.model, data, { ...BASE, epochs: 0 }), /epochs must be a positive integer/);
    await assert.rejects(fit(b.model, data, { ...BASE, epochs: 1, resume: true }), /resume needs a checkpoint/);
    for (const m of [model, a.model, b.model]) m.dispose();
  });

  it('writes one JSONL line per epoch and logs the terms a loss reports', async () => {
    const { gen, model } = seqNet();
    const path = join(dir, 'log.jsonl');
    // a loss with extra terms, as a VAE's reconstruction + KL
    const loss = (m: SeqNet, x: import('../../lib/tensor').Tensor) => {
      const recon = mseLoss(m.forward(x), x);
      const penalty = mean(square(m.fc.weight));
      return { loss: recon, terms: { recon: recon.item(), penalty: penalty.item() } };
    };
    const out: string[] = [];
    const r = await fit(model, data, { ...BASE, epochs: 3, generator: gen, loss, log: path, progress: { write: (s: string) => out.push(s) } });
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(lines, r.history);
    assert.deepEqual(Object.keys(lines[0]), ['epoch', 'trainLoss', 'validationLoss', 'lr', 'seconds', 'improved', 'trainTerms', 'validationTerms']);
    assert.deepEqual(lines.map((l) => l.epoch), [1, 2, 3]);
    for (const l of lines) {
      assert.ok(Math.abs(l.trainTerms!.recon - l.trainLoss) < 1e-6 * l.trainLoss, 'recon term = loss');
      assert.ok(Math.abs(l.validationTerms!.recon - l.validationLoss!) < 1e-6 * l.validationLoss!);
      assert.ok(l.trainTerms!.penalty > 0 && l.seconds >= 0);
    }
    // a pipe (not a TTY): exactly one line per epoch, no bar
    assert.equal(out.length, 3);
    assert.match(out[0], /^train epoch 1\/3: train loss \d\.\d{4} \(recon \d\.\d{4}, penalty \d\.\d{4}\), validation loss \d\.\d{4} \(recon/);
    assert.ok(out.every((s) => !s.includes('\r') && s.endsWith('\n')));
    model.dispose();
  });

  it('draws a bar on a TTY', async () => {
    const model = new ConstNet(2);
    let out = '';
    await fit(model, constData(2, 4, 1, 0.3, 40), { epochs: 2, batchSize: 8, progress: { isTTY: true, write: (s: string) => (out += s) } });
    model.dispose();
    assert.match(out, /\rtrain \[#+\.*\] 1\/5 epoch 1\/2/);
    assert.match(out, /\rtrain \[#{24}\] 5\/5 epoch 2\/2/);
    assert.equal(out.split('\n').length - 1, 2, 'one finished line per epoch');
  });

  it('trains with a given optimiser and gradient clipping', async () => {
    const model = new ConstNet(2);
    const opt = new SGD(model.parameters(), { lr: 0.1 });
    // the gradient of mse towards 1 from w = 0 is -2 per element; clipped to norm 0.5
    const r = await fit(model, constData(2, 4, 1, 0.3), { epochs: 1, batchSize: 8, optimizer: opt, clipGradNorm: 0.5, shuffle: false, progress: false });
    const w = Array.from(model.w.toArray());
    const step = 0.1 * 0.5 / Math.SQRT2;
    w.forEach((v) => assert.ok(Math.abs(v - step) < 1e-5, `w ${v} vs ${step}`));
    assert.equal(r.history[0].lr, 0.1);
    opt.step(); // the optimiser is the caller's: still usable
    opt.dispose();
    model.dispose();
  });

  it('clips each gradient on its own with clipGradNormPerTensor (global clipping scales both by one factor)', async () => {
    // From 0 towards 1 over F = 2: d/dw = [-1, -1] (norm sqrt 2), d/ds = -2 (norm 2).
    const run = async (clip: Partial<FitOptions>) => {
      const model = new TwoParamNet(2);
      const opt = new SGD(model.parameters(), { lr: 0.1 });
      await fit(model, constData(2, 4, 1, 0.3), { epochs: 1, batchSize: 8, optimizer: opt, shuffle: false, progress: false, ...clip });
      const out = { w: Array.from(model.w.toArray()), s: model.s.item() };
      opt.dispose();
      model.dispose();
      return out;
    };
    const per = await run({ clipGradNormPerTensor: 1 });
    per.w.forEach((v) => assert.ok(Math.abs(v - 0.1 / (Math.SQRT2 + 1e-6)) < 1e-6, `w ${v}`));
    assert.ok(Math.abs(per.s - 0.1 * 2 / (2 + 1e-6)) < 1e-6, `s ${per.s}`);
    const global = await run({ clipGradNorm: 1 });
    const k = 1 / (Math.sqrt(6) + 1e-6);
    global.w.forEach((v) => assert.ok(Math.abs(v - 0.1 * k) < 1e-6, `w ${v}`));
    assert.ok(Math.abs(global.s - 0.2 * k) < 1e-6, `s ${global.s}`);
    const model = new TwoParamNet(2);
    await assert.rejects(fit(model, constData(2, 4, 1, 0.3), { epochs: 1, clipGradNorm: 1, clipGradNormPerTensor: 1, progress: false }),
      /clipGradNorm \(global\) and clipGradNormPerTensor exclude each other/);
    await assert.rejects(fit(model, constData(2, 4, 1, 0.3), { epochs: 1, clipGradNormPerTensor: 0, progress: false }),
      /clipGradNormPerTensor must be > 0/);
    model.dispose();
  });

  it('applies a learning-rate schedule before every step (iterations counted over the run) and logs the last rate', async () => {
    // an SGD that records the rate each step runs at
    class Recording extends SGD {
      readonly used: number[] = [];
      override step(): void {
        this.used.push(this.paramGroups[0].lr);
        super.step();
      }
    }
    const asked: number[] = [];
    const cyclic = new CyclicLR({ baseLr: 0.01, maxLr: 0.05, stepSize: 3 });
    const schedule: LrSchedule = { lrAt: (i) => (asked.push(i), cyclic.lrAt(i)), toJSON: () => cyclic.toJSON() };
    const model = new ConstNet(2);
    const opt = new Recording(model.parameters(), { lr: 0.1 });
    // 20 samples in batches of 8: 3 steps per epoch (the last one smaller)
    const r = await fit(model, constData(2, 4, 1, 0.3, 20), { epochs: 4, batchSize: 8, optimizer: opt, lrSchedule: schedule, progress: false });
    const n = 12;
    assert.deepEqual(asked, Array.from({ length: n }, (_, i) => i));
    assert.deepEqual(opt.used, asked.map((i) => cyclic.lrAt(i)));
    assert.deepEqual(r.history.map((e) => e.lr), [2, 5, 8, 11].map((i) => cyclic.lrAt(i)), 'each epoch logs its last step\'s rate');
    await assert.rejects(fit(model, constData(2, 4, 1, 0.3), { epochs: 1, lrSchedule: {} as LrSchedule, progress: false }), /lrSchedule must have lrAt/);
    await assert.rejects(fit(model, constData(2, 4, 1, 0.3), { epochs: 1, optimizer: opt, amsgrad: true, progress: false }),
      /lr, weightDecay and amsgrad belong to the optimiser/);
    opt.dispose();
    model.dispose();
  });

  it('trains with STAE-AD\'s setup (AMSGrad, per-tensor clipping, cyclic rate) and resumes it in-process bit for bit', async () => {
    const staead = { amsgrad: true, clipGradNormPerTensor: 1, lrSchedule: new CyclicLR({ baseLr: 5e-3, maxLr: 3e-2, stepSize: 10 }) } as const;
    const run = async (epochs: number, path: string, resume = false, extra: Partial<FitOptions> = staead) => {
      const { gen, model } = seqNet();
      const r = await fit(model, data, { ...BASE, epochs, restoreBest: false, checkpoint: path, resume, generator: gen, ...extra });
      const w = weightsOf(model);
      model.dispose();
      return { r, w };
    };
    const steps = Math.ceil(data.trainCount / 16);
    const whole = await run(12, join(dir, 'a'));
    assert.ok(whole.r.history[11].trainLoss < 0.5 * whole.r.history[0].trainLoss, 'it learns');
    assert.ok(new Set(whole.r.history.map((e) => e.lr)).size > 3, 'the rate moves from epoch to epoch');
    const first = await run(6, join(dir, 'b'));
    const ck = loadCheckpoint(join(dir, 'b'));
    const at = ck.training.epoch;
    assert.ok(at >= 2, `a checkpoint after epoch ${at}`);
    assert.equal(ck.training.iteration, at * steps, 'the schedule position');
    assert.deepEqual(ck.training.settings.lrSchedule, staead.lrSchedule.toJSON());
    assert.equal(ck.training.settings.amsgrad, true);
    assert.equal(ck.training.settings.clipGradNormPerTensor, 1);
    assert.ok(ck.optimizer.state.every((s) => 'max_exp_avg_sq' in s.buffers), 'AMSGrad state saved');
    assert.deepEqual(losses(first.r.history), losses(whole.r.history.slice(0, 6)));
    const rest = await run(12, join(dir, 'b'), true);
    assert.equal(rest.r.resumedFrom, at);
    assert.deepEqual(losses(rest.r.history), losses(whole.r.history));
    assert.deepEqual(rest.w, whole.w);
    // another schedule, no schedule, or no AMSGrad is another run
    const other = { ...staead, lrSchedule: new CyclicLR({ baseLr: 5e-3, maxLr: 3e-2, stepSize: 11 }) };
    await assert.rejects(run(12, join(dir, 'b'), true, other), /other settings: lrSchedule .*"stepSize":10.* \(now .*"stepSize":11/);
    await assert.rejects(run(12, join(dir, 'b'), true, { amsgrad: true, clipGradNormPerTensor: 1 }), /other settings: lrSchedule .* \(now null\)/);
    await assert.rejects(run(12, join(dir, 'b'), true, { ...staead, amsgrad: false }), /other settings: amsgrad true \(now null\)/);
  });

  it('keeps the event loop free: a timer fires while it trains on the main thread', async function () {
    this.timeout(30000);
    const { gen, model } = seqNet();
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const t0 = Date.now();
    const r = await fit(model, sineData(600, 3, 8, 50), { ...BASE, epochs: 24, generator: gen });
    const ms = Date.now() - t0;
    clearInterval(timer);
    assert.equal(r.history.length, 24);
    assert.ok(ms > 150, `the work should take a while to prove anything (took ${ms} ms)`);
    // a blocked loop gives 0 ticks; a free one about ms/5 (one batch takes ~2 ms)
    assert.ok(ticks >= ms / 5 / 4, `${ticks} timer ticks in ${ms} ms`);
    model.dispose();
  });

  it('runs on a worker thread through runOffThread, reporting epochs, with the same numbers', async function () {
    this.timeout(60000);
    const seen: unknown[] = [];
    const h = await runOffThread<unknown[]>(require.resolve('./tasks'), 'fitSeqNet', [4, 3, 200], { onProgress: (m) => seen.push(m) });
    assert.equal(h.length, 3);
    assert.deepEqual(seen.map((m) => (m as { epoch: number }).epoch), [1, 2, 3]);
    const { fitSeqNet } = require('./tasks') as typeof import('./tasks');
    assert.deepEqual(await fitSeqNet(4, 3, 200), h, 'same seed on the main thread');
  });

  it('keeps native memory flat over 60 epochs (each step in tidy; the optimiser state freed at the end)', function () {
    this.timeout(60000);
    const r = spawnSync(process.execPath, ['--require', require.resolve('tsx/cjs'), join(__dirname, 'memory_child.ts'), '60'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const m = JSON.parse(r.stdout) as { before: Mem; epochs: Mem[]; after: Mem };
    assert.equal(m.epochs.length, 60);
    for (const [i, e] of m.epochs.entries()) assert.deepEqual(e, m.epochs[0], `live native buffers and bytes after epoch ${i + 1}`);
    assert.ok(m.epochs[0].buffers > m.before.buffers, 'the epochs hold grads and Adam moments');
    assert.deepEqual(m.after, m.before, 'after fit (and zeroGrad) only the model is left');
  });

  it('stops when its signal aborts', async () => {
    const { gen, model } = seqNet();
    const ac = new AbortController();
    const p = fit(model, data, { ...BASE, epochs: 50, generator: gen, signal: ac.signal, onEpoch: (r) => void (r.epoch === 2 && ac.abort(new Error('enough'))) });
    await assert.rejects(p, /enough/);
    model.dispose();
  });
});
