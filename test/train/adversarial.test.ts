// fitAdversarial on a two-player game small enough to compute by hand: a 1-D linear generator
// fake = a*z + b against a logistic discriminator logit = w*v + c. Proves each player gets the
// gradient of its own loss only (f64 central differences; a summed-gradient loop fails it), the
// phase order (D on batch A, then G on an independently shuffled batch B, fresh noise each
// phase), the weight averages (recurrence, bit-exact swap), resume after an abort equal to an
// uninterrupted run bit for bit, abort between batches, and flat native memory.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { native } from '../../lib/binding';
import { Module } from '../../lib/nn/module';
import { add, bceWithLogits, dropout, mul } from '../../lib/ops';
import { SGD } from '../../lib/optim';
import { Generator } from '../../lib/random';
import { Tensor, type DType } from '../../lib/tensor';
import { AdversarialSetup, fitAdversarial, JOINT_LOSS, Phase } from '../../lib/train/adversarial';
import { loadAdversarialCheckpoint } from '../../lib/train/adversarial_checkpoint';
import type { FitData } from '../../lib/train/data';
import { Ema } from '../../lib/train/ema';
import type { FitOptions } from '../../lib/train/fit';

/** Named one-element parameters. */
class Scalars extends Module {
  constructor(values: Record<string, number>, dtype: DType) {
    super();
    for (const [k, v] of Object.entries(values)) this.registerParameter(k, Tensor.fromArray([v], [1], { dtype }));
  }
  p(name: string): Tensor {
    return this.stateDict().get(name)!;
  }
}

class Game extends Module {
  readonly g: Scalars;
  readonly d: Scalars;
  /** Dropout on the discriminator's logits (a random stream in the model, checkpointed). */
  constructor(readonly dtype: DType, readonly drop = 0, readonly gen = new Generator(11)) {
    super();
    this.g = this.registerModule('g', new Scalars({ a: 0.8, b: -0.3 }, dtype));
    this.d = this.registerModule('d', new Scalars({ w: 0.5, c: 0.1 }, dtype));
  }
  fake(z: Tensor): Tensor {
    return add(mul(z, this.g.p('a')), this.g.p('b'));
  }
  logit(v: Tensor): Tensor {
    const l = add(mul(v, this.d.p('w')), this.d.p('c'));
    return this.drop > 0 ? dropout(l, this.drop, this.training, this.gen) : l;
  }
  values(): number[] {
    return [...this.g.p('a').toArray(), ...this.g.p('b').toArray(), ...this.d.p('w').toArray(), ...this.d.p('c').toArray()];
  }
}

const XS = [1.5, 2.0, 0.7, 1.1, 2.4, 1.9, 0.3, 1.3, 2.2, 0.9];
function rows(xs: number[], dtype: DType): FitData {
  return { trainCount: xs.length, validationCount: 0, batch: (_s, idx) => Tensor.fromArray(Array.from(idx, (i) => xs[i]), [idx.length], { dtype }) };
}
const full = (t: Tensor, v: number) => Tensor.full(t.shape, v, { dtype: t.dtype });
const dLoss = (m: Game, x: Tensor, fake: Tensor) => add(bceWithLogits(m.logit(x), full(x, 1)), bceWithLogits(m.logit(fake), full(fake, 0)));
const gLoss = (m: Game, fake: Tensor) => bceWithLogits(m.logit(fake), full(fake, 1));

/** SGD that keeps a copy of the gradient it is handed for each of its parameters. */
class RecordingSgd extends SGD {
  readonly seen: number[][] = [];
  override step(): void {
    this.seen.push(this.paramGroups[0].params.flatMap((p) => [...p.grad!.toArray()]));
    super.step();
  }
}

const QUIET = { progress: false } as const;
const softplus = (v: number) => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
const meanOf = (f: (i: number) => number, n: number) => Array.from({ length: n }, (_, i) => f(i)).reduce((a, b) => a + b, 0) / n;
/** Central difference of f at p along coordinate k. */
function numericGrad(f: (p: number[]) => number, p: number[]): number[] {
  const h = 1e-6;
  return p.map((_, k) => (f(p.map((v, j) => (j === k ? v + h : v))) - f(p.map((v, j) => (j === k ? v - h : v)))) / (2 * h));
}

type Mem = { buffers: number; bytes: number };

/** The memory test's child: live native buffers before, after every epoch of, and after a run. */
async function memoryRun(epochs: number): Promise<{ before: Mem; epochs: Mem[]; after: Mem }> {
  const m = new Game('float32', 0.2);
  const mem = (): Mem => ({ buffers: native.memory().cpuBuffers, bytes: native.memory().cpuBytes });
  const byEpoch: Mem[] = [];
  const setup: AdversarialSetup<Game> = {
    players: { d: { params: m.d, optimizer: { lr: 0.01, betas: [0.5, 0.999] } }, g: { params: m.g, optimizer: { lr: 0.01, betas: [0.5, 0.999] } } },
    phases: [{ name: 'both', players: ['d', 'g'], losses: (model, x, ctx) => {
      const fake = model.fake(ctx.normal(x.shape));
      return { d: dLoss(model, x, fake), g: gLoss(model, fake) };
    } }],
    ema: { decay: 0.99 },
  };
  const before = mem();
  await fitAdversarial(m, rows(XS, 'float32'), setup, { epochs, batchSize: 1, ...QUIET, onEpoch: () => void byEpoch.push(mem()) });
  return { before, epochs: byEpoch, after: mem() };
}

if (require.main === module) void memoryRun(Number(process.argv[2])).then((r) => process.stdout.write(JSON.stringify(r)));
else describe('fitAdversarial', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'vigil-adv-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('gives each player the gradient of its own loss only, from one shared forward (f64 numeric derivative)', async () => {
    const m = new Game('float64');
    const optD = new RecordingSgd(m.d.parameters(), { lr: 0.1 });
    const optG = new RecordingSgd(m.g.parameters(), { lr: 0.1 });
    let xs: number[] = [], zs: number[] = [];
    const setup: AdversarialSetup<Game> = {
      players: { d: { params: m.d, optimizer: optD }, g: { params: m.g, optimizer: optG } },
      // Both players step in the same phase: one forward builds both losses, which share fake.
      phases: [{ name: 'both', players: ['d', 'g'], losses: (model, x, ctx) => {
        const z = ctx.normal(x.shape, { dtype: 'float64' });
        xs = [...x.toArray()];
        zs = [...z.toArray()];
        const fake = model.fake(z);
        return { d: dLoss(model, x, fake), g: gLoss(model, fake) };
      } }],
    };
    const [a, b, w, c] = m.values();
    await fitAdversarial(m, rows(XS.slice(0, 6), 'float64'), setup, { epochs: 1, batchSize: 6, ...QUIET });

    const n = xs.length;
    const lossD = ([w_, c_, a_, b_]: number[]) => meanOf((i) => softplus(-(w_ * xs[i] + c_)), n) + meanOf((i) => softplus(w_ * (a_ * zs[i] + b_) + c_), n);
    const lossG = ([a_, b_, w_, c_]: number[]) => meanOf((i) => softplus(-(w_ * (a_ * zs[i] + b_) + c_)), n);
    const wantD = numericGrad((p) => lossD([...p, a, b]), [w, c]);
    const wantG = numericGrad((p) => lossG([...p, w, c]), [a, b]);
    const close = (got: number[], want: number[], what: string) =>
      got.forEach((g, k) => assert.ok(Math.abs(g - want[k]) < 1e-8, `${what}[${k}]: ${g} vs ${want[k]}`));
    close(optD.seen[0], wantD, 'D gradient');
    close(optG.seen[0], wantG, 'G gradient');
    // The check can tell: the other player's loss has a clearly non-zero gradient here, so
    // summing both losses' gradients into every parameter would miss by far more than 1e-8.
    const crossD = numericGrad((p) => lossG([a, b, ...p]), [w, c]);
    const crossG = numericGrad((p) => lossD([w, c, ...p]), [a, b]);
    for (const v of [...crossD, ...crossG]) assert.ok(Math.abs(v) > 1e-3, `cross gradient ${v} is too small to tell`);
    [optD, optG, m].forEach((x) => x.dispose());
  });

  it('runs the phases in order: D on batch A, then G on an independently shuffled batch B, fresh noise in each', async () => {
    const m = new Game('float64');
    type Call = { phase: string; epoch: number; step: number; idx: number[]; x: number[]; z: number[]; seen: number[] };
    const calls: Call[] = [];
    const record = (phase: string) => (model: Game, x: Tensor, ctx: Parameters<Phase<Game>['losses']>[2]) => {
      const z = ctx.normal(x.shape, { dtype: 'float64' });
      calls.push({ phase, epoch: ctx.epoch, step: ctx.step, idx: [...ctx.indices], x: [...x.toArray()], z: [...z.toArray()], seen: model.values() });
      const fake = model.fake(z);
      return phase === 'disc' ? { d: dLoss(model, x, fake) } : { g: gLoss(model, fake) };
    };
    const setup: AdversarialSetup<Game> = {
      players: { d: { params: m.d, optimizer: { lr: 0.05, betas: [0.5, 0.999] } }, g: { params: m.g, optimizer: { lr: 0.05, betas: [0.5, 0.999] } } },
      phases: [{ name: 'disc', players: ['d'], losses: record('disc') }, { name: 'gen', players: ['g'], losses: record('gen') }],
    };
    await fitAdversarial(m, rows(XS, 'float64'), setup, { epochs: 2, batchSize: 4, seed: 5, ...QUIET });

    assert.deepEqual(calls.map((c) => c.phase), Array.from({ length: 12 }, (_, i) => (i % 2 ? 'gen' : 'disc')), 'disc then gen, every step (3 steps x 2 epochs)');
    for (const c of calls) assert.deepEqual(c.x, c.idx.map((i) => XS[i]), 'the batch holds the samples of its indices');
    for (const epoch of [1, 2]) {
      const order = (phase: string) => calls.filter((c) => c.epoch === epoch && c.phase === phase).flatMap((c) => c.idx);
      const a = order('disc'), b = order('gen');
      assert.deepEqual([...a].sort((p, q) => p - q), XS.map((_, i) => i), 'D sees every sample once per epoch');
      assert.deepEqual([...b].sort((p, q) => p - q), XS.map((_, i) => i), 'G sees every sample once per epoch');
      assert.notDeepEqual(a, b, `epoch ${epoch}: G's order is not D's`);
    }
    for (let k = 0; k < calls.length; k += 2) {
      const [d, g] = [calls[k], calls[k + 1]];
      assert.ok(d.z.every((v) => !g.z.includes(v)), 'fresh noise for the G phase');
      assert.notDeepEqual(g.seen.slice(2), d.seen.slice(2), 'D stepped before the G phase ran its forward');
      assert.deepEqual(g.seen.slice(0, 2), d.seen.slice(0, 2), 'G had not moved during the D phase');
      const next = calls[k + 2];
      if (next) {
        assert.deepEqual(next.seen.slice(2), g.seen.slice(2), 'the G phase left D alone');
        assert.notDeepEqual(next.seen.slice(0, 2), g.seen.slice(0, 2), 'G stepped in its phase');
      }
    }
    m.dispose();
  });

  it('updates the averages after every step by the recurrence, and swaps them in and out bit for bit', async () => {
    const m = new Game('float32');
    const ema = new Ema(m, 0.9);
    const start = m.values();
    const afterStep: number[][] = [];
    const setup: AdversarialSetup<Game> = {
      players: { d: { params: m.d, optimizer: { lr: 0.05 } }, g: { params: m.g, optimizer: { lr: 0.05 } } },
      phases: [
        { name: 'disc', players: ['d'], losses: (model, x, ctx) => {
          if (ctx.step > 0 || ctx.epoch > 1) afterStep.push(model.values()); // the weights the last step left
          return { d: dLoss(model, x, model.fake(ctx.normal(x.shape))) };
        } },
        { name: 'gen', players: ['g'], losses: (model, x, ctx) => ({ g: gLoss(model, model.fake(ctx.normal(x.shape))) }) },
      ],
      ema,
      finalWeights: 'raw',
    };
    await fitAdversarial(m, rows(XS, 'float32'), setup, { epochs: 2, batchSize: 4, ...QUIET });
    afterStep.push(m.values());
    assert.equal(afterStep.length, 6);

    // avg += (1 - decay)(p - avg) in float32, one kernel per operation (as ema.ts computes it).
    const f = Math.fround, k = f(1 - 0.9);
    const want = afterStep.reduce((avg, p) => avg.map((a, i) => f(a + f(f(p[i] - a) * k))), start.map(f));
    const got = ema.stateDict();
    assert.deepEqual(['g.a', 'g.b', 'd.w', 'd.c'].map((n) => got.get(n)!.data[0]), want);

    const raw = Float32Array.from(m.values());
    ema.swap();
    assert.ok(ema.inUse);
    assert.deepEqual(m.values(), want, 'the averages are in the parameters');
    ema.swap();
    assert.deepEqual(Float32Array.from(m.values()), raw, 'the raw weights are back, bit for bit');
    assert.deepEqual(ema.withAverages(() => m.values()), want);
    await ema.withAverages(async () => assert.deepEqual(m.values(), want));
    assert.deepEqual(Float32Array.from(m.values()), raw);
    ema.dispose();
    m.dispose();
  });

  it('resumed after an abort in epoch 2 equals an uninterrupted run bit for bit (weights, averages, optimisers, losses, log)', async () => {
    const make = () => {
      const m = new Game('float32', 0.3);
      const losses = (phase: string): Phase<Game>['losses'] => (model, x, ctx) => {
        if (ctx.epoch === 2 && ctx.step === 1 && phase === 'gen') stopAt?.abort(new Error('stop'));
        const fake = model.fake(ctx.normal(x.shape));
        return phase === 'disc' ? { d: dLoss(model, x, fake) } : { g: { loss: gLoss(model, fake), terms: { fake: fake.toArray()[0] } } };
      };
      const setup: AdversarialSetup<Game> = {
        players: { d: { params: m.d, optimizer: { lr: 0.02, betas: [0.5, 0.999] } }, g: { params: m.g, optimizer: { lr: 0.02, betas: [0.5, 0.999] } } },
        phases: [{ name: 'disc', players: ['d'], losses: losses('disc') }, { name: 'gen', players: ['g'], losses: losses('gen') }],
        ema: { decay: 0.9 },
      };
      return { m, setup };
    };
    let stopAt: AbortController | null = null;
    const opts = (name: string): FitOptions<Game> => ({ epochs: 3, batchSize: 4, seed: 2, checkpoint: join(dir, `${name}.ck`), log: join(dir, `${name}.jsonl`), ...QUIET });

    const whole = make();
    const a = await fitAdversarial(whole.m, rows(XS, 'float32'), whole.setup, opts('a'));

    const first = make();
    stopAt = new AbortController();
    await assert.rejects(fitAdversarial(first.m, rows(XS, 'float32'), first.setup, { ...opts('b'), signal: stopAt.signal }), /stop/);
    stopAt = null;
    assert.equal(loadAdversarialCheckpoint(join(dir, 'b.ck')).training.epoch, 1);
    const again = make();
    const b = await fitAdversarial(again.m, rows(XS, 'float32'), again.setup, { ...opts('b'), resume: true });

    const noSeconds = (h: { seconds: number }[]) => h.map(({ seconds: _s, ...r }) => r);
    assert.equal(b.resumedFrom, 1);
    assert.deepEqual(noSeconds(b.history), noSeconds(a.history));
    assert.deepEqual(Object.keys(a.history[0].trainTerms!), ['d', 'g', 'g.fake'], 'per-player losses and their terms');
    assert.deepEqual(again.m.values(), whole.m.values(), 'final weights (the averages)');
    const [ca, cb] = [loadAdversarialCheckpoint(join(dir, 'a.ck')), loadAdversarialCheckpoint(join(dir, 'b.ck'))];
    assert.deepEqual(cb.model, ca.model, 'raw weights of the last epoch');
    assert.deepEqual(cb.ema, ca.ema, 'averages');
    assert.deepEqual(cb.optimizers, ca.optimizers, 'moments and steps of every optimiser');
    assert.deepEqual(ca.optimizers.get('d')!.state.state[0].step, 9, '3 epochs x 3 steps');
    const lines = (name: string) => noSeconds(readFileSync(join(dir, `${name}.jsonl`), 'utf8').trim().split('\n').map((l) => JSON.parse(l)));
    assert.deepEqual(lines('b'), lines('a'));
    [whole, first, again].forEach((r) => r.m.dispose());
  });

  it('stops between batches on an AbortSignal, after the step in flight finished all its phases', async () => {
    const m = new Game('float32');
    const stop = new AbortController();
    const calls: string[] = [];
    const losses = (phase: string): Phase<Game>['losses'] => (model, x, ctx) => {
      calls.push(`${phase}${ctx.step}`);
      if (ctx.step === 1 && phase === 'disc') stop.abort(new Error('user stop'));
      const fake = model.fake(ctx.normal(x.shape));
      return phase === 'disc' ? { d: dLoss(model, x, fake) } : { g: gLoss(model, fake) };
    };
    const setup: AdversarialSetup<Game> = {
      players: { d: { params: m.d, optimizer: { lr: 0.01 } }, g: { params: m.g, optimizer: { lr: 0.01 } } },
      phases: [{ name: 'disc', players: ['d'], losses: losses('disc') }, { name: 'gen', players: ['g'], losses: losses('gen') }],
    };
    await assert.rejects(fitAdversarial(m, rows(XS, 'float32'), setup, { epochs: 5, batchSize: 2, signal: stop.signal, ...QUIET }), /user stop/);
    assert.deepEqual(calls, ['disc0', 'gen0', 'disc1', 'gen1']);
    m.dispose();
  });

  it('keeps native memory flat over 300 steps and frees its buffers at the end (in a fresh process)', function () {
    this.timeout(30000);
    // In the shared mocha process the garbage collector may free other tests' leftovers meanwhile.
    const r = spawnSync(process.execPath, ['--require', require.resolve('tsx/cjs'), __filename, '30'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const { before, epochs, after } = JSON.parse(r.stdout) as { before: Mem; epochs: Mem[]; after: Mem };
    assert.equal(epochs.length, 30);
    assert.deepEqual(epochs[29], epochs[1], 'the same live buffers after epoch 2 and epoch 30');
    assert.deepEqual(after, before, 'optimisers, averages and gradient buffers are freed');
  });

  it('stops early on the caller\'s validation score, restores the best epoch (weights and averages) and prints its lines', async () => {
    const m = new Game('float32');
    const ema = new Ema(m, 0.5);
    const scores = [3, 2, 1.95, 2.6, 9]; // 1.95 misses the best (2) by less than minDelta
    const atEpoch: { raw: number[]; avg: number[] }[] = [];
    const out: string[] = [];
    const setup: AdversarialSetup<Game> = {
      players: { d: { params: m.d, optimizer: { lr: 0.05 } }, g: { params: m.g, optimizer: { lr: 0.05 } } },
      phases: [{ name: 'both', players: ['d', 'g'], losses: (model, x, ctx) => {
        const fake = model.fake(ctx.normal(x.shape));
        return { d: dLoss(model, x, fake), g: gLoss(model, fake) };
      } }],
      ema,
      finalWeights: 'raw',
      validate: (model, e) => {
        assert.equal(model.training, false, 'scored in eval mode');
        assert.equal(e, ema);
        return scores[atEpoch.length];
      },
    };
    const r = await fitAdversarial(m, rows(XS, 'float32'), setup, {
      epochs: 5, batchSize: 5, patience: 2, minDelta: 0.1, checkpoint: join(dir, 'ck'), progress: { write: (s: string) => out.push(s) },
      onEpoch: (rec, model) => void atEpoch.push({ raw: model.values(), avg: ema.withAverages(() => model.values()) }),
    });
    assert.deepEqual(r.history.map((h) => [h.validationLoss, h.improved]), [[3, true], [2, true], [1.95, false], [2.6, false]]);
    assert.deepEqual([r.stoppedEarly, r.bestEpoch, r.bestLoss], [true, 2, 2]);
    assert.equal(loadAdversarialCheckpoint(join(dir, 'ck')).training.epoch, 2, 'checkpoints at improving epochs only');
    assert.deepEqual(m.values(), atEpoch[1].raw, 'the best epoch\'s weights');
    assert.deepEqual(ema.withAverages(() => m.values()), atEpoch[1].avg, 'and its averages');
    assert.match(out.join(''), /train epoch 1\/5: d [\d.]+, g [\d.]+, validation score 3\.0000\n/);
    assert.match(out.join(''), /early stop after epoch 4: no improvement for 2 epochs; best epoch 2/);
    ema.dispose();
    m.dispose();
  });

  it('refuses a parameter that no player owns, or two players share', async () => {
    const m = new Game('float32');
    const phase: Phase<Game> = { name: 'p', players: ['g'], losses: () => ({}) };
    await assert.rejects(fitAdversarial(m, rows(XS, 'float32'), { players: { g: { params: m.g, optimizer: { lr: 1 } } }, phases: [phase] }, { epochs: 1 }),
      /parameters d\.w, d\.c belong to no player/);
    await assert.rejects(fitAdversarial(m, rows(XS, 'float32'), { players: { g: { params: m, optimizer: { lr: 1 } }, d: { params: m.d, optimizer: { lr: 1 } } },
      phases: [{ ...phase, players: ['g', 'd'] }] }, { epochs: 1 }), /belongs to players "g" and "d"/);
  });

  it('a joint phase backpropagates its one objective into all its players; it must return it, and "joint" names no player', async () => {
    // d's loss (the fake batch detached) has only d's weights in it and g's (the fake values
    // scored as logits against 1) only g's, so their sum is a valid joint objective: one pass
    // must hand each player exactly the gradient of its own loss.
    const run = async (joint: boolean) => {
      const m = new Game('float64');
      const opts = { d: new RecordingSgd(m.d.parameters(), { lr: 0.1 }), g: new RecordingSgd(m.g.parameters(), { lr: 0.1 }) };
      await fitAdversarial(m, rows(XS, 'float64'), {
        players: { d: { params: m.d, optimizer: opts.d }, g: { params: m.g, optimizer: opts.g } },
        phases: [{ name: 'both', players: ['d', 'g'], joint, losses: (model, x, ctx) => {
          const fake = model.fake(ctx.normal(x.shape, { dtype: 'float64' }));
          const d = dLoss(model, x, fake.detach()), g = bceWithLogits(fake, full(fake, 1));
          return joint ? { d, g, [JOINT_LOSS]: add(d, g) } : { d, g };
        } }],
      }, { epochs: 1, batchSize: 4, seed: 3, ...QUIET });
      return [opts.d.seen, opts.g.seen];
    };
    const [jd, jg] = await run(true), [od, og] = await run(false);
    assert.equal(jd.length, 3, 'three steps recorded');
    assert.ok(jg.flat().some((v) => v !== 0) && jd.flat().some((v) => v !== 0), 'both players got gradients');
    assert.deepEqual(jd, od);
    assert.deepEqual(jg, og);
    const m = new Game('float32');
    const players = { d: { params: m.d, optimizer: { lr: 1 } }, g: { params: m.g, optimizer: { lr: 1 } } };
    const missing: Phase<Game> = { name: 'p', players: ['d', 'g'], joint: true, losses: (model, x) => ({ d: gLoss(model, x), g: gLoss(model, x) }) };
    await assert.rejects(fitAdversarial(m, rows(XS, 'float32'), { players, phases: [missing] }, { epochs: 1, ...QUIET }),
      /phase "p" must return a one-element Tensor .* for player "joint"/);
    await assert.rejects(fitAdversarial(m, rows(XS, 'float32'), { players: { ...players, joint: players.d }, phases: [missing] }, { epochs: 1, ...QUIET }),
      /"joint" is reserved/);
  });
});
