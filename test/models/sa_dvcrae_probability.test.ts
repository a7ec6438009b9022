// Sa-DVCRAE's reconstruction probability (models/sa_dvcrae/probability.ts, variance.ts): the
// score against a direct float64 computation (the literal mean over l of products of Gaussian
// pdfs, fine at tiny sizes) for both matrix choices, one and T decoded frames, unit and
// per-cell variance, padding left out; finite, ordered scores at 6,400 cells (40 x 40 x 4),
// where that direct product is 0; the variance estimate against a direct computation; the
// config fields and their errors; the ONNX graph (eps as a constant) against the native score;
// and through the pipeline, the Detector's batch and stream = the pipeline's scores.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import '../../models';
import { assertDetectorMatchesPipeline } from '../helpers/detector_parity';
import { plantSeries } from '../helpers/plant_series';
import { noGrad } from '../../lib/autograd/grad_mode';
import { MatrixSeries } from '../../lib/data/correlation';
import { loadDetector } from '../../lib/detect/detector_bundle';
import { exportModelOnnx } from '../../lib/onnx/export/export';
import { reparamSample } from '../../lib/ops';
import { fitDetector, saveFitted } from '../../lib/pipeline/fit';
import { scoreSeries } from '../../lib/pipeline/score';
import { Generator } from '../../lib/random';
import { Tensor, tidy } from '../../lib/tensor';
import { fromSources } from '../../lib/train/data';
import { SaDvcrae, saDvcraeKind, type SaDvcraeConfig } from '../../models/sa_dvcrae';
import { estimateDecoderVariance, flooredVariance, VARIANCE_FLOOR } from '../../models/sa_dvcrae/variance';
import { assertParity, randomizeState, recordParity, runOnnx } from '../onnx/helpers';

const C = 5;
const series = (rows: number, seed: number) => plantSeries(Array.from({ length: C }, (_, i) => `s${i}`), rows, { plantSeed: 2, seed });

/** A tiny network over 5 sensors padded to 8, scored by the reconstruction probability. */
function small(overrides: Partial<SaDvcraeConfig> = {}): SaDvcraeConfig {
  return saDvcraeKind.defaultConfig(C, {
    steps: 3, gap: 3, scales: [8], encoder: [4, 4, 4], encoderLstm: [4], latent: 4, hidden: 8, decoderChannels: 4,
    decoderLstm: [4], decoder: [4, 4, 4], scoreBy: 'probability', latentSamples: 5, latentSeed: 7, ...overrides,
  });
}

const host = (f: () => Tensor) => Float64Array.from(noGrad(() => tidy(() => f().toArray())));

/** Gives the model a variance per cell in [0.05, 2] (far from 1, so that a wrong cell or step shows). */
function setVariance(m: SaDvcrae, seed: number): Float64Array {
  const v = m.decoderVariance!;
  const values = host(() => new Generator(seed).uniform([v.size], 0.05, 2));
  v.assign(Float32Array.from(values));
  return values;
}

/**
 * -log RP by its definition in float64: (1/L) sum_l prod_e N(x_e; x^_le, sigma_e^2) over the
 * scored real cells, z_l = mu + exp(log var / 2) eps_l with eps the latentSeed's draws, each
 * decoded on its own; divided by T for 'mean'.
 */
function directScores(m: SaDvcrae, x: Float32Array, B: number, variance: Float64Array | null): Float64Array {
  const c = m.config;
  const [T, S, P] = [c.steps, c.scales.length, c.padTo];
  const D = m.decodedSteps, J = c.latent, L = c.latentSamples, o = P - C;
  const sample = () => Tensor.fromArray(x, [B, T, S, P, P]);
  const mu = host(() => m.encode(sample()).zMean), lv = host(() => m.encode(sample()).zLogVar);
  const eps = host(() => new Generator(c.latentSeed).normal([L, J]));
  const steps = c.score === 'last' ? [T - 1] : [...Array(T).keys()];
  const out = new Float64Array(B);
  for (let b = 0; b < B; b++) {
    let rp = 0;
    for (let l = 0; l < L; l++) {
      const z = Float32Array.from({ length: J }, (_, j) => mu[b * J + j] + Math.exp(lv[b * J + j] / 2) * eps[l * J + j]);
      const recon = host(() => m.decode(Tensor.fromArray(z, [1, J])));  // [1, D, S, P, P]
      let p = 1;
      for (const t of steps)
        for (let s = 0; s < S; s++)
          for (let i = 0; i < C; i++)
            for (let j = 0; j < C; j++) {
              const xv = x[(((b * T + t) * S + s) * P + o + i) * P + o + j];
              const rv = recon[(((D === 1 ? 0 : t) * S + s) * P + o + i) * P + o + j];
              const v = variance ? variance[((t * S + s) * C + i) * C + j] : 1;
              p *= Math.exp(-((xv - rv) ** 2) / (2 * v)) / Math.sqrt(2 * Math.PI * v);
            }
      rp += p / L;
    }
    out[b] = -Math.log(rp) / steps.length;
  }
  return out;
}

describe('sa-dvcrae: the reconstruction probability', function () {
  this.timeout(60000);

  it('configs: the default scores by the error, the seed by RP at unit variance; a config from before has the error; errors name the field', () => {
    const d = saDvcraeKind.defaultConfig(4), s = saDvcraeKind.defaultConfig(40, { preset: 'seed' });
    assert.deepEqual([d.scoreBy, d.decoderVariance, s.scoreBy, s.decoderVariance, s.latentSamples], ['error', 'estimated', 'probability', 'unit', 16]);
    const { scoreBy: _, latentSamples: _l, latentSeed: _s, decoderVariance: _v, ...before } = small();
    const m = new SaDvcrae(before as SaDvcraeConfig);
    assert.equal(m.config.scoreBy, 'error');
    assert.equal(m.decoderVariance, null, 'no variance buffer: the state dict is what it was');
    m.dispose();
    for (const [field, value, msg] of [
      ['scoreBy', 'likelihood', /scoreBy must be 'error' or 'probability', got "likelihood"/],
      ['latentSamples', 0, /latentSamples must be a positive integer, got 0/],
      ['latentSeed', -1, /latentSeed must be a non-negative integer, got -1/],
      ['decoderVariance', 'learned', /decoderVariance must be 'unit' or 'estimated', got "learned"/],
    ] as const)
      assert.throws(() => new SaDvcrae(small({ [field]: value })), msg);
  });

  it('-log RP = the direct float64 mean of Gaussian pdf products (last/mean, T/one frames, estimated/unit variance, 2 scales, padding out)', () => {
    for (const [decoderSteps, score, decoderVariance] of [['all', 'last', 'estimated'], ['all', 'mean', 'unit'], ['one', 'mean', 'estimated'], ['one', 'last', 'unit']] as const) {
      const m = new SaDvcrae(small({ decoderSteps, score, decoderVariance, scales: [6, 8] }), new Generator(4));
      try {
        randomizeState(m, 11, 0.3);  // a reconstruction far from 0, also at the padding
        const variance = decoderVariance === 'estimated' ? setVariance(m, 12) : null;
        m.eval();
        const B = 3;
        const x = new MatrixSeries(series(80, 2), m.input as never).batch([0, 17, 40]);
        const got = host(() => m.scores(Tensor.fromArray(x, [B, ...m.sampleShape])));
        const want = directScores(m, x, B, variance);
        for (let b = 0; b < B; b++)
          assert.ok(Math.abs(got[b] - want[b]) <= 1e-5 * (1 + Math.abs(want[b])), `${decoderSteps} ${score} ${decoderVariance} sample ${b}: ${got[b]} vs ${want[b]}`);
        // Against the residual norm: a different score from the same network.
        m.config.scoreBy = 'error';
        assert.ok(host(() => m.scores(Tensor.fromArray(x, [B, ...m.sampleShape]))).every((e, b) => Math.abs(e - got[b]) > 1e-3));
      } finally {
        m.dispose();
      }
    }
  });

  it('6,400 cells (40 x 40 x 4): finite scores that grow with the deviation, where the pdf product underflows to 0', () => {
    const cfg = saDvcraeKind.defaultConfig(40, {
      preset: 'seed', encoder: [4, 4, 4], encoderLstm: [4], latent: 8, hidden: 8, decoderChannels: 4, decoderLstm: [4], decoder: [4, 4, 4],
    });
    const m = new SaDvcrae(cfg, new Generator(3));
    try {
      m.eval();
      assert.equal(cfg.steps * cfg.padTo * cfg.padTo, 6400);
      const base = host(() => new Generator(5).uniform([1, 4, 1, 40, 40], -0.5, 0.5));
      const noise = host(() => new Generator(6).normal([1, 4, 1, 40, 40]));
      const x = Float32Array.from({ length: 3 * base.length }, (_, i) => base[i % base.length] + [0, 0.5, 2][Math.floor(i / base.length)] * noise[i % base.length]);
      const scores = host(() => m.scores(Tensor.fromArray(x, [3, 4, 1, 40, 40])));
      assert.ok(scores.every(Number.isFinite), `finite: ${[...scores]}`);
      assert.ok(scores[0] < scores[1] && scores[1] < scores[2], `ordered by the deviation: ${[...scores]}`);
      // The seed's computation: the density itself, a product over 6,400 cells (sigma 1): 0.
      const recon = host(() => m.forward(Tensor.fromArray(x.subarray(0, base.length), [1, 4, 1, 40, 40])));
      let p = 1;
      for (let e = 0; e < base.length; e++) p *= Math.exp(-((x[e] - recon[e % recon.length]) ** 2) / 2) / Math.sqrt(2 * Math.PI);
      assert.equal(p, 0, 'the direct pdf product underflows');
      assert.ok(scores[0] * 4 > 745, `-log RP ${scores[0] * 4} is beyond float64's smallest positive number (e^-745)`);
    } finally {
      m.dispose();
    }
  });

  it('the decoder variance: per real cell, the floored mean squared residual of one draw per training sample', () => {
    const m = new SaDvcrae(small({ decoderSteps: 'all', scales: [6, 8] }), new Generator(21));
    try {
      randomizeState(m, 22, 0.3);
      const bias = m.stateDict().get('z_log_var.bias')!;
      bias.assign(new Float32Array(bias.size).fill(1));  // sd about e^0.5: a draw is far from z_mean
      const ms = new MatrixSeries(series(120, 3), m.input as never);
      const data = fromSources(ms.sampleShape, ms);
      const N = ms.count, [T, S, P] = m.sampleShape, J = m.config.latent, o = P - C;
      m.gen.restore(1000);
      m.train();  // the estimate runs in eval mode whatever the mode
      const got = estimateDecoderVariance(m, data, 7);
      assert.equal(m.training, true, 'the mode is restored');
      assert.equal(m.gen.offset, 1000 + N * J, 'one draw of the latent per sample');
      assert.deepEqual(Float32Array.from(host(() => m.decoderVariance!)), Float32Array.from(got), 'the buffer holds it');
      // Directly: the same draws (one normal per latent unit, in sample order), float64 residuals.
      m.eval();
      const x = ms.batch([...Array(N).keys()]);
      const mu = host(() => m.encode(Tensor.fromArray(x, [N, T, S, P, P])).zMean), lv = host(() => m.encode(Tensor.fromArray(x, [N, T, S, P, P])).zLogVar);
      const g = new Generator(21);
      g.restore(1000);
      const eps = host(() => reparamSample(Tensor.zeros([N, J]), Tensor.zeros([N, J]), g));
      const z = Float32Array.from(mu, (v, i) => v + Math.exp(lv[i] / 2) * eps[i]);
      const recon = host(() => m.decode(Tensor.fromArray(z, [N, J])));
      const sums = new Float64Array(T * S * C * C);
      for (let n = 0; n < N; n++)
        for (let t = 0; t < T; t++)
          for (let s = 0; s < S; s++)
            for (let i = 0; i < C; i++)
              for (let j = 0; j < C; j++) {
                const at = (((n * T + t) * S + s) * P + o + i) * P + o + j;
                sums[((t * S + s) * C + i) * C + j] += (x[at] - recon[at]) ** 2;
              }
      const mean = sums.reduce((a, b) => a + b, 0) / (N * sums.length);
      for (let e = 0; e < sums.length; e++) {
        const want = Math.max(sums[e] / N, VARIANCE_FLOOR * mean);
        // Measured 2.3e-8 relative at most; the decoder of this tiny net barely reads z, so
        // decoding z_mean instead of a draw moves cell 0 by 2e-5 only: 1e-6 tells them apart.
        assert.ok(Math.abs(got[e] - want) <= 1e-6 * want, `cell ${e}: ${got[e]} vs ${want}`);
      }
      // The floor: a cell reconstructed exactly gets 1e-3 of the mean.
      assert.deepEqual([...flooredVariance(Float64Array.from([0, 4, 8]), 2)], [VARIANCE_FLOOR * 2, 2, 4]);
    } finally {
      m.dispose();
    }
  });

  for (const [name, o] of [
    ['default layout, last, per-cell variance', { decoderVariance: 'estimated' }],
    ['seed layout: one frame broadcast, relu, mean, unit variance, 2 scales', { measure: 'inner-product', scales: [6, 8], decoderSteps: 'one', output: 'relu', outputDropout: true, score: 'mean', decoderVariance: 'unit' }],
  ] as const)
    it(`ONNX (eps a constant): ${name}: the graph's scores are the native -log RP`, async () => {
      const m = new SaDvcrae(small(o), new Generator(8));
      try {
        randomizeState(m, 80, 0.3);
        if (m.decoderVariance) setVariance(m, 81);
        m.eval();
        const B = 3, L = m.window;
        const x = Float32Array.from(host(() => new Generator(9).normal([B * L * C])));
        const out = await runOnnx(exportModelOnnx(m), x, B);
        const t = () => Tensor.fromArray(x, [B, L, C]);
        const want = host(() => m.scores(t()));
        assert.ok(want.every((s) => s > 20), `-log RP well away from 0: ${[...want]}`);
        recordParity(`sa-dvcrae RP ${name} scores`, assertParity(out.scores, want, 'scores'));
        for (let b = 0; b < B; b++) assert.ok(Math.abs(out.scores[b] - want[b]) <= 1e-5 * Math.abs(want[b]), `sample ${b}: onnx ${out.scores[b]} vs native ${want[b]}`);
        assertParity(out.channel_errors, host(() => m.channelErrors(t())), 'channel_errors (z = z_mean)');
        assertParity(out.reconstruction, host(() => m.forward(t())), 'reconstruction (z = z_mean)');
      } finally {
        m.dispose();
      }
    });
});

describe('sa-dvcrae: the reconstruction probability through the pipeline', function () {
  this.timeout(60000);
  let dir = '';
  before(() => (dir = mkdtempSync(join(tmpdir(), 'vigil-sa-dvcrae-rp-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('default config with scoreBy probability: fit estimates the variance, the bundle keeps it, the Detector batch and stream = pipeline batch', async () => {
    const cols = ['a', 'b', 'c', 'd'];
    const rows = (n: number, faults: boolean, seed: number, start = 0) => plantSeries(cols, n, { plantSeed: 3, seed, faults, start });
    const fitted = await fitDetector(rows(800, false, 1), { kind: 'sa-dvcrae', config: { scoreBy: 'probability', latentSamples: 8 }, epochs: 1, batchSize: 32, lr: 3e-3, seed: 2, progress: false });
    const variance = host(() => (fitted.model as SaDvcrae).decoderVariance!);
    assert.equal(variance.length, 4 * 1 * 4 * 4);
    assert.ok(variance.some((v) => v !== 1) && variance.every((v) => v > 0), 'estimated at the end of fit, not the initial ones');
    const path = join(dir, 'rp.vigil');
    saveFitted(path, fitted);
    const test = rows(200, true, 5, 800);
    const before = scoreSeries(fitted, test);
    fitted.model.dispose();
    const det = loadDetector(path);
    try {
      assert.deepEqual(host(() => (det.model as SaDvcrae).decoderVariance!), variance, 'the bundle holds the variance');
      const batch = scoreSeries(det, test);
      assert.deepEqual(batch.scores, before.scores, 'the reloaded bundle scores as the fitted model did');
      await assertDetectorMatchesPipeline(path, test, batch.scores, 60);
    } finally {
      det.model.dispose();
    }
  });
});
