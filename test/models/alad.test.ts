// ALAD: one training step of all five networks against a PyTorch port (tools/fixtures/alad.py:
// every player's loss, the gradient of its own loss, the parameters after its Adam step, D_xz's
// running statistics, the weight averages, and the four scores with the averages in eval mode),
// a check that the tolerance tells own-loss gradients from summed ones, the scores by hand on a
// tiny network, the paper's layer sizes and f_xx's width, Xavier init, and dropout in training only.
import { strict as assert } from 'node:assert';

import { Alad, aladKind, aladSetup, ALAD_SCORES, type AladConfig } from '../../models/alad';
import type { Module } from '../../lib/nn';
import { Adam, type AdamOptions } from '../../lib/optim/adam';
import { Generator } from '../../lib/random';
import { Tensor, tidy } from '../../lib/tensor';
import { fitAdversarial } from '../../lib/train/adversarial';
import type { FitData } from '../../lib/train/data';
import { Ema } from '../../lib/train/ema';
import { assertClose, loadFixture, type Fixture } from '../helpers/fixtures';

/** Adam that keeps a host copy of each gradient it is handed, by parameter name (prefixed by its player). */
class RecordingAdam extends Adam {
  readonly seen = new Map<string, Float32Array | Float64Array>();
  constructor(private readonly player: string, private readonly module: Module, o: Partial<AdamOptions>) {
    super(module.parameters(), o);
  }
  override step(): void {
    for (const [n, p] of this.module.namedParameters()) this.seen.set(`${this.player}.${n}`, p.grad!.toArray());
    super.step();
  }
}

function fromFixture(fx: Fixture): Alad {
  const model = new Alad(fx.meta as AladConfig, new Generator(0));
  const state = new Map(fx.keys().filter((k) => k.startsWith('p.')).map((k) => [k.slice(2), fx.tensor(k)]));
  model.loadStateDict(state);
  state.forEach((t) => t.dispose());
  return model;
}

/** Batch A for the discriminator phase, then batch B for the generator/encoder phase: one step's worth. */
function twoBatches(fx: Fixture): FitData {
  const batches = [fx.tensor('x.a'), fx.tensor('x.b')];
  let calls = 0;
  return {
    trainCount: batches[0].shape[0],
    validationCount: 0,
    batch: () => {
      if (calls >= 2) throw new Error('more than the two phases of one step asked for a batch');
      return batches[calls++].clone();
    },
  };
}

// float32 here vs float64 in PyTorch, a few ulps per op over ~8 layers; measured maximum absolute
// errors (both fixtures, 2026-12-07): losses 4.8e-7, gradients 1.8e-7, parameters after the step
// 6e-8, running statistics 1.2e-7, averages 1.2e-7, scores 4.8e-7.
const TOL = {
  loss: { rtol: 1e-5, atol: 1e-6 },
  grad: { rtol: 1e-4, atol: 1e-6 },
  param: { rtol: 1e-5, atol: 1e-6 },
  score: { rtol: 1e-4, atol: 1e-5 },
};

describe('ALAD model', function () {
  this.timeout(60000);

  for (const name of ['alad_step_dzz', 'alad_step_nodzz']) {
    it(`one training step matches PyTorch (${name}): losses, own-loss gradients, Adam, BN statistics, averages, scores`, async () => {
      const fx = loadFixture(name);
      const model = fromFixture(fx);
      const recorders: RecordingAdam[] = [];
      const ema = new Ema(model, fx.meta.emaDecay);
      const zs = { discriminators: fx.tensor('z.a'), 'generator-encoder': fx.tensor('z.b') };
      const setup = aladSetup(model, {
        noise: (_ctx, shape, phase) => {
          assert.deepEqual(shape, [...zs[phase].shape]);
          return zs[phase].clone();
        },
        optimizer: (player, module, adam) => {
          const r = new RecordingAdam(player, module, adam);
          recorders.push(r);
          return r;
        },
        ema,
        finalWeights: 'raw',
      });
      const result = await fitAdversarial(model, twoBatches(fx), setup, { epochs: 1, batchSize: fx.meta.batchSize, progress: false });
      try {
        const terms = result.history[0].trainTerms!;
        for (const player of ['dxz', 'dxx', 'dzz', 'gen', 'enc'])
          assertClose([terms[player]], fx.tensor(`loss.${player}`), TOL.loss, `loss ${player}`);

        const seen = new Map(recorders.flatMap((r) => [...r.seen]));
        const expected = fx.keys().filter((k) => k.startsWith('grad.')).map((k) => k.slice(5));
        assert.deepEqual([...seen.keys()].sort(), expected.sort(), 'every parameter got a gradient, from its own player');
        for (const k of expected) assertClose(seen.get(k)!, fx.tensor(`grad.${k}`), TOL.grad, `gradient ${k}`);

        // D_xz's x-branch bias feeds a batch-statistics BatchNorm, so its gradient is zero up to
        // rounding (checked above) and Adam's first step lr*g/(|g|+eps) has a rounding-noise
        // direction in either engine: there only the size of the step (at most lr) is checked.
        const lr = fx.meta.lr, decay = fx.meta.emaDecay;
        const noiseStep = (k: string) => k === 'dxz.xFc.bias';
        const within = (a: ArrayLike<number>, b: ArrayLike<number>, bound: number, what: string) =>
          Array.from(a).forEach((v, i) => assert.ok(Math.abs(v - b[i]) <= bound, `${what}[${i}]: moved ${Math.abs(v - b[i])}, more than ${bound}`));
        for (const [k, p] of model.namedParameters()) {
          if (noiseStep(k)) within(p.toArray(), fx.tensor(`p.${k}`).toArray(), lr * 1.0001, `${k} after the Adam step`);
          else assertClose(p, fx.tensor(`after.${k}`), TOL.param, `${k} after the Adam step`);
        }
        for (const [k, b] of model.namedBuffers()) assertClose(b, fx.tensor(`after.${k}`), TOL.param, `buffer ${k} after the step`);
        for (const [k, a] of ema.stateDict()) {
          if (noiseStep(k)) within(a.data, fx.tensor(`p.${k}`).toArray(), (1 - decay) * lr * 1.0001, `average of ${k}`);
          else assertClose(a.data, fx.tensor(`ema.${k}`), TOL.param, `average of ${k}`);
        }

        ema.swap();
        model.eval();
        tidy(() => {
          const x = fx.tensor('x.a');
          for (const s of ALAD_SCORES) assertClose(model.scoreBy(s, x), fx.tensor(`score.${s}`), TOL.score, `score ${s}`);
        });
      } finally {
        recorders.forEach((r) => r.dispose());
        ema.dispose();
        model.dispose();
      }
    });
  }

  it('one backward per phase (the joint objectives) hands every player the gradient of its own loss, as one pass per player does', async () => {
    // KDD sizes with dropout on: both ways from the same weights, batch, noise and masks.
    const gradients = async (backward: 'joint' | 'per-player') => {
      const model = aladKind.create(aladKind.defaultConfig(121), new Generator(3)) as Alad;
      const recorders: RecordingAdam[] = [];
      const setup = aladSetup(model, {
        backward,
        optimizer: (player, module, adam) => {
          const r = new RecordingAdam(player, module, adam);
          recorders.push(r);
          return r;
        },
      });
      const x = new Generator(4).uniform([50, 121], -1, 1);
      const data = { trainCount: 50, validationCount: 0, batch: () => x.clone() } as unknown as FitData;
      try {
        await fitAdversarial(model, data, setup, { epochs: 1, batchSize: 50, progress: false, seed: 5 });
        return new Map(recorders.flatMap((r) => [...r.seen]));
      } finally {
        recorders.forEach((r) => r.dispose());
        model.dispose();
        x.dispose();
      }
    };
    const joint = await gradients('joint'), own = await gradients('per-player');
    assert.equal(joint.size, 28);
    assert.deepEqual([...joint.keys()].sort(), [...own.keys()].sort());
    for (const [k, g] of own) assertClose(joint.get(k)!, Tensor.fromArray(g, [g.length]), { rtol: 1e-6, atol: 1e-9 }, `gradient ${k}`);
  });

  it('the gradient tolerance tells own-loss gradients from summed ones (a summing loop would fail the test above)', () => {
    // G and E share the cycle terms but not their D_xz terms, so summing their losses changes both gradients.
    const fx = loadFixture('alad_step_dzz');
    let worst = 0;
    for (const k of fx.keys().filter((k) => k.startsWith('sumgrad.'))) {
      const own = fx.tensor(`grad.${k.slice(8)}`).toArray(), summed = fx.tensor(k).toArray();
      own.forEach((v, i) => (worst = Math.max(worst, Math.abs(summed[i] - v) / (TOL.grad.atol + TOL.grad.rtol * Math.abs(v)))));
    }
    assert.ok(worst > 100, `summed gradients are within ${worst.toFixed(1)}x of the tolerance: the step test could not tell them apart`);
  });

  it('scores a tiny network by hand: fm, logit, l1, l2', () => {
    // inputs 2, latent 2, identity layers: E(x) = lrelu(x), G(z) = 2 relu(z) elementwise;
    // f_xx(a, b) = [lrelu(a0), lrelu(b0)]; D_xx's logit = f0 - f1 + 0.5; LeakyReLU slope 0.2.
    const config = aladKind.defaultConfig(2, { latent: 2, encoderWidth: 2, generatorWidths: [2, 2], dxxWidth: 2 });
    const m = aladKind.create(config, new Generator(1));
    const eye = [1, 0, 0, 1];
    for (const t of [m.enc.fc1.weight, m.enc.fc2.weight, m.gen.fc1.weight, m.gen.fc2.weight]) t.assign(eye);
    m.gen.fc3.weight.assign([2, 0, 0, 2]);
    m.dxx.fc.weight.assign([1, 0, 0, 0, 0, 0, 1, 0]);
    m.dxx.out.weight.assign([1, -1]);
    m.dxx.out.bias!.assign([0.5]);
    m.eval();
    tidy(() => {
      const x = Tensor.fromArray([3, 1, -1, 2], [2, 2]);
      // row 0: E = [3, 1], x' = [6, 2]; row 1: E = [-0.2, 2], x' = [0, 4].
      assertClose(m.reconstruct(x), [6, 2, 0, 4], { rtol: 0, atol: 1e-6 }, 'G(E(x))');
      // fm: |f(x,x) - f(x,x')| = |lrelu(x0) - lrelu(x'0)|: |3 - 6|, |-0.2 - 0|.
      assertClose(m.scoreBy('fm', x), [3, 0.2], { rtol: 0, atol: 1e-6 }, 'fm');
      // logit l = lrelu(x0) - lrelu(x'0) + 0.5 = -2.5, 0.3; the score BCE(l, 1) = log(1 + e^-l).
      assertClose(m.scoreBy('logit', x), [Math.log1p(Math.exp(2.5)), Math.log1p(Math.exp(-0.3))], { rtol: 1e-6, atol: 1e-6 }, 'logit');
      assertClose(m.scoreBy('l1', x), [3 + 1, 1 + 2], { rtol: 0, atol: 1e-6 }, 'l1');
      assertClose(m.scoreBy('l2', x), [Math.sqrt(10), Math.sqrt(5)], { rtol: 1e-6, atol: 1e-6 }, 'l2');
      assertClose(m.scores(x), [3, 0.2], { rtol: 0, atol: 1e-6 }, 'scores() is the configured fm');
    });
    m.dispose();
  });

  it('has the paper\'s KDD layer sizes (121 inputs), a 128-wide f_xx, Xavier-uniform weights and zero biases', () => {
    const m = aladKind.create(aladKind.defaultConfig(121), new Generator(2));
    const shapes = Object.fromEntries(m.namedParameters().filter(([k]) => k.endsWith('weight')).map(([k, t]) => [k, [...t.shape]]));
    assert.deepEqual(shapes, {
      'enc.fc1.weight': [64, 121], 'enc.fc2.weight': [32, 64],
      'gen.fc1.weight': [64, 32], 'gen.fc2.weight': [128, 64], 'gen.fc3.weight': [121, 128],
      'dxz.xFc.weight': [128, 121], 'dxz.xBn.weight': [128], 'dxz.zFc.weight': [128, 32], 'dxz.yFc.weight': [128, 256], 'dxz.out.weight': [1, 128],
      'dxx.fc.weight': [128, 242], 'dxx.out.weight': [1, 128],
      'dzz.fc.weight': [32, 64], 'dzz.out.weight': [1, 32],
    });
    m.eval();
    tidy(() => assert.deepEqual([...m.dxx.features(Tensor.zeros([3, 121]), Tensor.zeros([3, 121])).shape], [3, 128]));
    const w = m.dxx.fc.weight.toArray();
    const bound = Math.sqrt(6 / (242 + 128));
    assert.ok(w.every((v) => Math.abs(v) <= bound), 'within the Xavier-uniform bound');
    const sd = Math.sqrt(w.reduce((a, v) => a + v * v, 0) / w.length);
    assert.ok(Math.abs(sd / (bound / Math.sqrt(3)) - 1) < 0.05, `std ${sd} is that of U(-${bound}, ${bound})`);
    for (const [k, b] of m.namedParameters().filter(([k]) => k.endsWith('bias') && !k.includes('Bn')))
      assert.ok(b.toArray().every((v) => v === 0), `${k} starts at 0`);
    m.dispose();
  });

  it('applies dropout in training only, and never to a logit', () => {
    const m = aladKind.create(aladKind.defaultConfig(5, { dropout: { xz: 0.5, xx: 0.5, zz: 0.5 } }), new Generator(3));
    tidy(() => {
      const x = new Generator(4).normal([64, 5]);
      m.eval();
      assert.deepEqual(m.scores(x).toArray(), m.scores(x).toArray(), 'eval-mode scores are deterministic');
      const evalFeatures = m.dxx.features(x, x).toArray();
      m.train();
      const a = m.dxx.features(x, x).toArray(), b = m.dxx.features(x, x).toArray();
      assert.notDeepEqual(a, b, 'training-mode features differ between calls');
      const dropped = a.filter((v, i) => v === 0 && evalFeatures[i] !== 0).length;
      assert.ok(dropped > 0.3 * a.length && dropped < 0.7 * a.length, `about half the features dropped (${dropped} of ${a.length})`);
      // The logit is the output layer of the (dropped) features, not dropped itself: no logit is exactly 0.
      const logits = m.dxx.forward(x, x).toArray();
      assert.ok(logits.every((v) => v !== 0));
    });
    m.dispose();
  });

  it('refuses an unknown score', () => {
    assert.throws(() => aladKind.create(aladKind.defaultConfig(3, { score: 'max' as never })), /score must be one of fm, logit, l1, l2/);
  });
});
