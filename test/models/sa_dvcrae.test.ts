// Sa-DVCRAE (models/sa_dvcrae): the seed table's shapes at nft 40 layer by layer, configs and
// their errors, the seed's loss reduction (SSE / (B P S) + KL / B, one decoded frame broadcast
// over T) and the per-element alternative against a hand computation, the score (residual
// Frobenius norm) and attribution (row norms) by hand, rows in = matrices in, a few Adam steps
// lower the loss, dropout in training only, the ONNX graph against the native engine in
// onnxruntime within 1e-4, and three training steps of three small configs (the last with the
// seed's SA cell) against a PyTorch port
// (test/fixtures/sa_dvcrae_*.safetensors, tools/fixtures/sa_dvcrae.py).
import { strict as assert } from 'node:assert';

import '../../models';
import { plantSeries } from '../helpers/plant_series';
import { noGrad } from '../../lib/autograd/grad_mode';
import { MatrixSeries } from '../../lib/data/correlation';
import { Adam } from '../../lib/optim';
import { exportModelOnnx } from '../../lib/onnx/export/export';
import { describeVerified, verifyOnnx } from '../../lib/onnx/export/verify';
import { Generator } from '../../lib/random';
import { Tensor, tidy } from '../../lib/tensor';
import { SaDvcrae, saDvcraeKind, type SaDvcraeConfig } from '../../models/sa_dvcrae';
import { reparamSample } from '../../lib/ops';
import { assertClose, loadFixture } from '../helpers/fixtures';
import { assertParity, randomizeState, recordParity, runOnnx } from '../onnx/helpers';

const C = 5;

/** Rows of a plant-like synthetic series, [rows, C]. */
const series = (rows: number, seed: number) => plantSeries(Array.from({ length: C }, (_, i) => `s${i}`), rows, { plantSeed: 2, seed });

/** A tiny network over 5 sensors padded to 8: bottleneck 1 x 1, decoder from 2 x 2. */
function small(overrides: Partial<SaDvcraeConfig> = {}): SaDvcraeConfig {
  return saDvcraeKind.defaultConfig(C, {
    steps: 3, gap: 3, scales: [8], encoder: [4, 4, 4], encoderLstm: [4], latent: 4, hidden: 8, decoderChannels: 4,
    decoderLstm: [4], decoder: [4, 4, 4], ...overrides,
  });
}

const host = (f: () => Tensor) => noGrad(() => tidy(() => Float32Array.from(f().toArray())));

/** A batch of matrix series of the model's input from the synthetic series. */
function batchOf(m: SaDvcrae, idx: number[], seed = 1): Float32Array {
  return new MatrixSeries(series(80, seed), m.input as never).batch(idx);
}

describe('sa-dvcrae: the network', function () {
  this.timeout(20000);

  it("the seed config at nft 40: the seed table's shapes layer by layer, one ReLU frame out", () => {
    const cfg = saDvcraeKind.defaultConfig(40, { preset: 'seed' });
    assert.equal(cfg.padTo, 40);
    assert.deepEqual({ steps: cfg.steps, gap: cfg.gap, scales: cfg.scales, measure: cfg.measure }, { steps: 4, gap: 1, scales: [181], measure: 'inner-product' });
    const m = new SaDvcrae(cfg, new Generator(1));
    try {
      m.eval();
      const shapes: Record<string, number[]> = {};
      const x = new Generator(2).uniform([1, 4, 1, 40, 40], -1, 1);
      const y = noGrad(() => m.forward(x, (name, t) => (shapes[name] = [...t.shape])));
      // Seed NHWC (T,20,20,32) ... is NCHW per step here.
      assert.deepEqual(shapes, {
        enc0: [1, 4, 32, 20, 20], enc1: [1, 4, 64, 10, 10], enc2: [1, 4, 128, 5, 5],
        enc_lstm0: [1, 4, 128, 5, 5], enc_lstm1: [1, 4, 64, 5, 5], z_mean: [1, 100],
        dec_dense1: [1, 1, 128, 10, 10], dec_lstm0: [1, 1, 64, 10, 10],
        dec0: [1, 1, 128, 10, 10], dec1: [1, 1, 64, 20, 20], dec2: [1, 1, 32, 40, 40], dec3: [1, 1, 1, 40, 40],
      });
      assert.ok(y.toArray().every((v) => v >= 0), 'ReLU output');
      const sizes = Object.fromEntries([...m.namedParameters()].filter(([k]) => /^(z_mean|dec_dense\d)\.weight$/.test(k)).map(([k, p]) => [k, p.shape]));
      assert.deepEqual(sizes, { 'z_mean.weight': [100, 4 * 64 * 25], 'dec_dense0.weight': [128, 100], 'dec_dense1.weight': [10 * 10 * 128, 128] });
      x.dispose();
      y.dispose();
    } finally {
      m.dispose();
    }
  });

  it('configs: default and seed presets, --window, padTo from the layer counts, errors name the field', () => {
    assert.equal(saDvcraeKind.defaultConfig(43).padTo, 48);
    assert.equal(saDvcraeKind.defaultConfig(4).padTo, 8);
    assert.equal(saDvcraeKind.defaultConfig(51, { preset: 'seed' }).padTo, 56);
    assert.equal(saDvcraeKind.defaultConfig(5, { encoder: [4, 4], decoder: [4, 4, 4], decoderStrides: [2, 2, 2] }).padTo, 8);
    assert.deepEqual(saDvcraeKind.defaultConfig(4, { window: 50 } as Partial<SaDvcraeConfig>).scales, [50]);
    assert.deepEqual(saDvcraeKind.namedConfigs, ['default', 'seed']);
    const d = saDvcraeKind.defaultConfig(4);
    assert.deepEqual({ d: d.decoderSteps, o: d.output, od: d.outputDropout, p: d.dropout, w: d.klWeight }, { d: 'all', o: 'linear', od: false, p: 0.1, w: 0.01 });
    const s = saDvcraeKind.defaultConfig(4, { preset: 'seed' });
    assert.deepEqual({ d: s.decoderSteps, o: s.output, od: s.outputDropout, loss: s.loss, p: s.dropout, w: s.klWeight }, { d: 'one', o: 'relu', od: true, loss: 'seed', p: 0.3, w: 1 });
    assert.deepEqual([d.cell, s.cell], ['self-attention-memory', 'seed-self-attention-memory'], "Lin et al.'s cell by default, the seed's in the seed config");
    const { cell: _, ...before } = small(); // a bundle's config from before the field
    assert.equal(new SaDvcrae(before as SaDvcraeConfig).config.cell, 'self-attention-memory');
    assert.throws(() => new SaDvcrae({ ...small(), cell: 'plain' as 'self-attention-memory' }), /cell must be 'self-attention-memory' or 'seed-self-attention-memory', got "plain"/);
    assert.throws(() => saDvcraeKind.defaultConfig(4, { preset: 'paper' } as Partial<SaDvcraeConfig>), /unknown preset "paper" \(known: default, seed\)/);
    assert.throws(() => new SaDvcrae({ ...small(), padTo: 12 }), /padTo 12 must be >= the 5 inputs and a multiple of 8/);
    assert.throws(() => new SaDvcrae({ ...small(), decoderStrides: [1, 2] }), /decoderStrides has 2 entries for 3 decoder layers/);
    assert.throws(() => new SaDvcrae({ ...small(), encoderLstm: [] }), /encoderLstm must be a list of at least 1/);
    assert.throws(() => new SaDvcrae({ ...small(), output: 'tanh' as 'relu' }), /output must be 'relu' or 'linear'/);
    assert.throws(() => new SaDvcrae({ ...small(), loss: 'sum' as 'seed' }), /loss must be 'seed' or 'element'/);
    assert.throws(() => new SaDvcrae({ ...small(), klWeight: -1 }), /klWeight must be a finite number >= 0/);
    const m = new SaDvcrae(small());
    try {
      assert.equal(m.window, 2 * 3 + 8);
      assert.deepEqual(m.input, { kind: 'matrix-series', steps: 3, gap: 3, scales: [8], measure: 'pearson', padTo: 8 });
      assert.throws(() => m.forward(Tensor.zeros([2, 3, 1, 5, 5])), /input must be matrix series \[batch, 3, 1, 8, 8\] or windows of rows \[batch, 14, 5\]/);
    } finally {
      m.dispose();
    }
  });

  it("the loss: 'seed' = SSE / (B P S) + w KL / B with one frame broadcast over T; 'element' = (SSE + w KL) / (B T S P P)", () => {
    for (const [decoderSteps, loss, klWeight] of [['one', 'seed', 1], ['all', 'seed', 0.01], ['one', 'element', 0.5]] as const) {
      const m = new SaDvcrae(small({ decoderSteps, loss, klWeight, scales: [6, 8] }), new Generator(3));
      try {
        randomizeState(m, 30, 0.3);
        const sd = m.stateDict();  // a latent far from N(0, 1), so that the KL term counts
        sd.get('z_mean.bias')!.assign([0.8, -0.4, 0.3, 1.1]);
        sd.get('z_log_var.bias')!.assign([-0.7, 0.5, -1.2, 0.2]);
        m.eval();
        const B = 3, T = 3, S = 2, P = 8, N = S * P * P;
        const x = batchOf(m, [0, 9, 30]);
        const xt = () => Tensor.fromArray(x, [B, ...m.sampleShape]);
        const recon = host(() => m.forward(xt()));
        const zm = host(() => m.run(xt()).zMean), zl = host(() => m.run(xt()).zLogVar);
        const D = decoderSteps === 'one' ? 1 : T;
        assert.equal(recon.length, B * D * N);
        let sse = 0;
        for (let b = 0; b < B; b++)
          for (let t = 0; t < T; t++)
            for (let k = 0; k < N; k++) sse += (x[(b * T + t) * N + k] - recon[(b * D + (D === 1 ? 0 : t)) * N + k]) ** 2;
        let kl = 0;
        for (let i = 0; i < zm.length; i++) kl += -0.5 * (1 + zl[i] - zm[i] ** 2 - Math.exp(zl[i]));
        const [rec, klTerm] = loss === 'seed' ? [sse / (B * P * S), kl / B] : [sse / (B * T * N), kl / (B * T * N)];
        const got = noGrad(() => tidy(() => {
          const l = m.loss(xt(), 'mean');
          return { loss: l.loss.item(), ...l.terms };
        }));
        assert.ok(klTerm > 1e-3 * rec, `the KL term counts: kl ${klTerm}, rec ${rec}`);
        assert.ok(Math.abs(got.loss - (rec + klWeight * klTerm)) < 1e-5 * got.loss, `${decoderSteps} ${loss}: ${got.loss} vs ${rec + klWeight * klTerm}`);
        assert.ok(Math.abs(got.rec - rec) < 1e-5 * rec && Math.abs(got.kl - klTerm) < 1e-5 * klTerm, 'the terms, the KL unweighted');
      } finally {
        m.dispose();
      }
    }
  });

  it('score = Frobenius norm of the residual (last or mean matrix, padding included); attribution = row norms over the real columns', () => {
    for (const [decoderSteps, score] of [['all', 'last'], ['all', 'mean'], ['one', 'mean']] as const) {
      const m = new SaDvcrae(small({ decoderSteps, score, scales: [6, 8] }), new Generator(4));
      try {
        m.eval();
        const B = 4, T = 3, P = 8, o = P - C, N = 2 * P * P, D = decoderSteps === 'one' ? 1 : T;
        const x = batchOf(m, [0, 7, 20, 40], 2);
        const t = () => Tensor.fromArray(x, [B, ...m.sampleShape]);
        const recon = host(() => m.forward(t()));
        const scores = host(() => m.scores(t())), errors = host(() => m.channelErrors(t()));
        for (let b = 0; b < B; b++) {
          const steps = score === 'last' ? [T - 1] : [0, 1, 2];
          let s = 0;
          const rowNorm = new Float64Array(C);
          for (const k of steps) {
            const xb = (b * T + k) * N, rb = (b * D + (D === 1 ? 0 : k)) * N;
            let f = 0;
            for (let e = 0; e < N; e++) f += (x[xb + e] - recon[rb + e]) ** 2;
            s += Math.sqrt(f) / steps.length;
            for (let c = 0; c < C; c++) {
              let r = 0;
              for (let ch = 0; ch < 2; ch++)
                for (let j = o; j < P; j++) {
                  const at = ch * P * P + (o + c) * P + j;
                  r += (x[xb + at] - recon[rb + at]) ** 2;
                }
              rowNorm[c] += Math.sqrt(r) / steps.length;
            }
          }
          assert.ok(Math.abs(scores[b] - s) < 1e-5 * (1 + s), `${decoderSteps} ${score} sample ${b}: ${scores[b]} vs ${s}`);
          for (let c = 0; c < C; c++) assert.ok(Math.abs(errors[b * C + c] - rowNorm[c]) < 1e-5 * (1 + rowNorm[c]), `${score} sample ${b} channel ${c}`);
        }
      } finally {
        m.dispose();
      }
    }
  });

  it('windows of rows in = their matrix series in (lib/data MatrixSeries)', () => {
    const m = new SaDvcrae(small(), new Generator(5));
    try {
      m.eval();
      const s = series(40, 2), L = m.window;
      const ms = new MatrixSeries(s, m.input as never);
      const idx = [0, 5, 25];
      const fromMatrices = host(() => m.scores(Tensor.fromArray(ms.batch(idx), [3, ...m.sampleShape])));
      const rows = new Float32Array(3 * L * C);
      idx.forEach((i, b) => rows.set(s.data.subarray((ms.endRow(i) - L + 1) * C, (ms.endRow(i) + 1) * C), b * L * C));
      assert.deepEqual(host(() => m.scores(Tensor.fromArray(rows, [3, L, C]))), fromMatrices);
    } finally {
      m.dispose();
    }
  });

  it('a few Adam steps lower the loss (z drawn, as fit trains it)', () => {
    const m = new SaDvcrae(small({ dropout: 0 }), new Generator(6));
    try {
      const x = Tensor.fromArray(batchOf(m, Array.from({ length: 32 }, (_, i) => i * 2), 3), [32, ...m.sampleShape]);
      const evalLoss = () => {
        m.eval();
        const l = noGrad(() => tidy(() => m.loss(x, 'mean').loss.item()));
        m.train();
        return l;
      };
      const before = evalLoss();
      const opt = new Adam(m.parameters(), { lr: 1e-2 });
      const losses: number[] = [];
      for (let i = 0; i < 30; i++)
        tidy(() => {
          opt.zeroGrad();
          const { loss } = m.loss(x);
          loss.backward();
          opt.step();
          losses.push(loss.item());
        });
      const after = evalLoss();
      assert.ok(losses.every(Number.isFinite));
      assert.ok(after < 0.6 * before, `eval loss ${before} -> ${after}`);
      x.dispose();
    } finally {
      m.dispose();
    }
  });

  it('training draws z and dropout masks (on the output too with outputDropout); eval is deterministic', () => {
    const m = new SaDvcrae(small({ outputDropout: true, output: 'relu' }), new Generator(7));
    try {
      const x = Tensor.fromArray(batchOf(m, [0, 1]), [2, ...m.sampleShape]);
      assert.notDeepEqual(host(() => m.forward(x)), host(() => m.forward(x)), 'two training forwards differ');
      m.eval();
      assert.deepEqual(host(() => m.forward(x)), host(() => m.forward(x)));
      x.dispose();
    } finally {
      m.dispose();
    }
  });
});

describe('sa-dvcrae: ONNX (matrices in the graph, z = z_mean) equals the native engine', function () {
  this.timeout(20000);
  const cases: [string, Partial<SaDvcraeConfig>][] = [
    ['default layout: pearson, all frames, linear, last', {}],
    ['seed layout: inner-product, one frame broadcast, relu, mean, 2 scales', { measure: 'inner-product', scales: [6, 8], decoderSteps: 'one', output: 'relu', outputDropout: true, score: 'mean' }],
    ['A 1, two encoder SA layers, decoder strides 2 2 1', { encoderLstm: [4, 6], attentionChannels: 1, decoderStrides: [2, 2, 1] }],
  ];
  for (const [name, o] of cases)
    it(name, async () => {
      const m = new SaDvcrae(small(o), new Generator(8));
      try {
        randomizeState(m, 80, 0.3); // weights away from Keras's small init, so that every output is far from 0
        m.eval();
        const B = 3, L = m.window;
        const x = Float32Array.from(new Generator(9).normal([B * L * C]).toArray());
        const out = await runOnnx(exportModelOnnx(m), x, B);
        const t = () => Tensor.fromArray(x, [B, L, C]);
        assert.ok(host(() => m.forward(t())).some((v) => Math.abs(v) > 0.05), 'a reconstruction far from 0');
        for (const [output, want] of [['scores', host(() => m.scores(t()))], ['channel_errors', host(() => m.channelErrors(t()))], ['reconstruction', host(() => m.forward(t()))]] as const)
          recordParity(`sa-dvcrae ${name} ${output}`, assertParity(out[output], want, output));
        const v = await verifyOnnx(m, exportModelOnnx(m), x, B);
        assert.deepEqual(v.compared.map((c) => c.output), ['channel_errors', 'scores']);
        assert.ok(v.ok, `verify: ${describeVerified(v)}`);
      } finally {
        m.dispose();
      }
    });
});

describe('sa-dvcrae: three training steps against a PyTorch port (tools/fixtures/sa_dvcrae.py)', function () {
  this.timeout(30000);

  // The port draws no random numbers: its eps is Vigil's Philox stream written again in Python
  // (tools/fixtures/philox.py) at the seed and offset in the fixture's meta, so the engine's own
  // reparamSample draw (the model's generator restored to that offset) is the port's eps.
  for (const [name, what] of [
    ['sa_dvcrae_default', "the default layout: all T frames, linear output, the seed's loss, KL weight 0.01, 12 sensors padded to 16"],
    ['sa_dvcrae_seed', "one frame broadcast over T, ReLU output, the per-element loss, KL weight 0.5, 2 scales, A 1, decoder strides 2 2 1"],
    ['sa_dvcrae_seed_cell', "the seed's cell (seed_sam_layer) in the seed's layout: one ReLU frame, the seed's loss, KL weight 1, 18 sensors padded to 24"],
  ] as const)
    it(`${what}: losses and terms, the first step's gradients, the weights after Adam, eval reconstruction, scores, attribution`, () => {
      const fx = loadFixture(name);
      const cfg = fx.meta.config as SaDvcraeConfig;
      const { seed, offset } = fx.meta.philox as { seed: number; offset: number };
      const m = new SaDvcrae(cfg, new Generator(seed));
      try {
        const f32 = (k: string) => fx.tensor(k, { dtype: 'float32' });
        const state = new Map(fx.keys().filter((k) => k.startsWith('p.')).map((k) => [k.slice(2), f32(k)]));
        assert.deepEqual([...state.keys()].sort(), [...m.namedParameters()].map(([k]) => k).sort(), 'the port has the same parameters');
        m.loadStateDict(state);
        state.forEach((t) => t.dispose());
        const x = f32('x');
        const [B, L] = [x.shape[0], cfg.latent];
        // The engine's draw at the fixture's seed and offset is the port's eps (z = 0 + e^0 eps).
        const g = new Generator(seed);
        g.restore(offset);
        const eps = fx.tensor('eps').toArray();
        assertClose(host(() => reparamSample(Tensor.zeros([B, L]), Tensor.zeros([B, L]), g)), eps.slice(0, B * L), { rtol: 1e-6, atol: 1e-6 }, 'eps');
        m.gen.restore(offset);
        const opt = new Adam(m.parameters(), { lr: fx.meta.lr, eps: fx.meta.adamEps });
        const [losses, recs, kls] = ['out.losses', 'out.rec', 'out.kl'].map((k) => fx.tensor(k).toArray());
        m.train();
        for (let step = 0; step < losses.length; step++)
          tidy(() => {
            opt.zeroGrad();
            const { loss, terms } = m.loss(x);
            // float32 here vs float64 in PyTorch, over ~12 layers and 3 recurrent steps. Measured
            // (all three configs): the loss and its terms within 2.1e-7 relative, the gradients
            // within 3.5e-6 absolute; each check below uses at most 11% of its tolerance (the
            // seed cell's loss terms; a w_sa with its q_h and k_h rows swapped misses the first
            // step's KL by 2.3x and w_sa's gradient by 53x its tolerance).
            assertClose([loss.item(), terms.rec, terms.kl], [losses[step], recs[step], kls[step]], { rtol: 2e-6, atol: 1e-8 }, `loss, rec, kl at step ${step}`);
            loss.backward();
            if (step === 0) for (const [k, p] of m.namedParameters()) assertClose(p.grad!, fx.tensor(`grad.${k}`), { rtol: 1e-4, atol: 1e-7 }, `grad ${k}`);
            opt.step();
          });
        assert.equal(m.gen.offset, offset + losses.length * B * L, 'one draw of B x latent normals per step, nothing else (dropout 0)');
        // Adam's steps are ~lr wherever a gradient is not ~0, so the weights after agree to the
        // float32 rounding of the weights and of m / sqrt(v): measured 1.2e-5 absolute at most,
        // 29% of this tolerance (the reconstruction, scores and errors after: 7% of theirs).
        for (const [k, p] of m.namedParameters()) assertClose(p, fx.tensor(`after.${k}`), { rtol: 1e-4, atol: 1e-6 }, `${k} after ${losses.length} steps`);
        m.eval();
        assertClose(host(() => m.forward(x)), fx.tensor('out.recon'), { rtol: 1e-5, atol: 1e-6 }, 'reconstruction (z = z_mean)');
        assertClose(host(() => m.scores(x)), fx.tensor('out.scores'), { rtol: 1e-5, atol: 1e-6 }, 'scores');
        assertClose(host(() => m.channelErrors(x)), fx.tensor('out.errors'), { rtol: 1e-5, atol: 1e-6 }, 'channel errors');
        x.dispose();
      } finally {
        m.dispose();
      }
    });
});
