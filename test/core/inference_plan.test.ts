// The inference plan (lib/nn/inference_plan.ts over native/cpu/inference_plan.cpp): one native
// call must give exactly the per-op forward's numbers, at any batch size and thread count,
// refuse chains and buffers that do not fit, and keep the weights it was built with.
import { strict as assert } from 'node:assert';

import '../../models';
import { noGrad } from '../../lib/autograd/grad_mode';
import { native } from '../../lib/binding';
import { modelKind } from '../../lib/model';
import { BatchNorm1d, InferencePlan, Linear, LSTM } from '../../lib/nn';
import { Generator } from '../../lib/random';
import { Tensor, tidy } from '../../lib/tensor';
import type { LstmAe } from '../../models/lstm_ae/model';

function wave(n: number, seed: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.sin(i / 37 + seed) + 0.3 * Math.cos(i * 1.3 + 2 * seed));
}

function tensorOf(shape: number[], data: Float32Array): Tensor {
  const t = Tensor.empty(shape);
  native.write(t.native, data);
  return t;
}

/** An LSTM-AE with non-trivial batch-norm statistics (fresh ones are 0 and 1). */
function lstmAe(overrides: object): LstmAe {
  const k = modelKind('lstm-ae');
  const m = k.create(k.defaultConfig(5, overrides), new Generator(3)) as LstmAe;
  for (const [name, t] of m.stateDict()) {
    if (name.endsWith('running_var')) native.write(t.native, Float32Array.from({ length: t.shape[0] }, (_, i) => 0.4 + 0.13 * (i % 7)));
    if (name.endsWith('running_mean')) native.write(t.native, Float32Array.from({ length: t.shape[0] }, (_, i) => 0.05 * ((i % 5) - 2)));
    if (name.endsWith('.weight') && t.ndim === 1) native.write(t.native, Float32Array.from({ length: t.shape[0] }, (_, i) => 0.8 + 0.05 * (i % 9)));
  }
  m.eval();
  return m;
}

function opErrors(m: LstmAe, x: Float32Array, B: number): Float32Array {
  const { window, inputs } = m.config;
  const out = new Float32Array(B * inputs);
  noGrad(() => tidy(() => native.read(m.channelErrors(tensorOf([B, window, inputs], x)).native, out)));
  return out;
}

describe('InferencePlan', () => {
  const before = native.getNumThreads();
  after(() => native.setNumThreads(before));

  // Hidden sizes that are multiples of 16 let a batch too small to split by rows (< 16 windows
  // on 2 threads) be split by hidden units over a team of threads; the 8-wide ones cannot.
  const sizes = {
    'hidden sizes 16 and 32 (cut by units)': { window: 12, encoder: [16, 16], latent: 4, decoderDense: 16, decoder: [16, 32] },
    'hidden size 8 (not cut)': { window: 12, encoder: [16, 8], latent: 4, decoderDense: 8, decoder: [8, 16] },
  };
  for (const threads of [1, 2])
    for (const [label, config] of Object.entries(sizes))
      it(`gives the LSTM-AE's channel errors bit for bit at batch 1, 5, 7 and 31, ${label}, ${threads} thread(s)`, () => {
        native.setNumThreads(threads);
        const m = lstmAe(config);
        const plan = m.inferencePlan();
        try {
          for (const B of [1, 5, 7, 31]) {
            const x = wave(B * 12 * 5, B);
            const want = opErrors(m, x, B);
            const got = plan.run(x, B, true);
            assert.deepEqual(Array.from(got), Array.from(want), `batch ${B}`);
            assert.ok(want.every((v) => v > 0 && Number.isFinite(v)));
          }
        } finally {
          plan.dispose();
          m.dispose();
        }
      });

  for (const threads of [1, 2])
    it(`runSeries over overlapping windows of one series gives run() on their copies bit for bit (${threads} thread(s))`, () => {
      native.setNumThreads(threads);
      const m = lstmAe({ window: 10, encoder: [16, 16], latent: 4, decoderDense: 16, decoder: [16, 32] });
      const plan = m.inferencePlan();
      try {
        for (const B of [1, 5, 31]) {
          const rows = wave((B + 9) * 5, 3 + B);
          const windows = new Float32Array(B * 10 * 5);
          for (let b = 0; b < B; b++) windows.set(rows.subarray(b * 5, (b + 10) * 5), b * 50);
          for (const errors of [true, false])
            assert.deepEqual(Array.from(plan.runSeries(rows, B, errors)), Array.from(plan.run(windows, B, errors)), `batch ${B}, errors ${errors}`);
        }
        assert.throws(() => plan.runSeries(new Float32Array(11 * 5), 3, true), /run_series: 3 windows need x of 60 and out of 15 floats, got 55/);
        assert.equal(plan.runSeries(new Float32Array(0), 0, true).length, 0);
      } finally {
        plan.dispose();
        m.dispose();
      }
      const w = Tensor.ones([2, 2]);
      const head = new InferencePlan(2, 4).linear(w, null);
      assert.throws(() => head.runSeries(new Float32Array(10), 2, false), /needs a chain whose first step is an LSTM/);
      head.dispose();
      w.dispose();
    });

  it('gives the reconstruction (errors off) equal to forward(); rows do not depend on their neighbours', () => {
    const m = lstmAe({ window: 9, encoder: [12], latent: 3, decoderDense: 6, decoder: [6, 10] });
    const plan = m.inferencePlan();
    try {
      const B = 4, x = wave(B * 9 * 5, 7);
      assert.equal(plan.outputSize(false), 9 * 5);
      const want = new Float32Array(B * 9 * 5);
      noGrad(() => tidy(() => native.read(m.forward(tensorOf([B, 9, 5], x)).native, want)));
      assert.deepEqual(Array.from(plan.run(x, B, false)), Array.from(want));
      const one = plan.run(x.subarray(2 * 45, 3 * 45), 1, false); // row 2 alone
      assert.deepEqual(Array.from(one), Array.from(want.subarray(2 * 45, 3 * 45)));
    } finally {
      plan.dispose();
      m.dispose();
    }
  });

  it('runs stacked LSTM layers, a linear head and a repeat like the modules do', () => {
    const gen = new Generator(11);
    const lstm = new LSTM(3, 7, { numLayers: 2, generator: gen });
    const head = new Linear(7, 4, { generator: gen });
    const dec = new LSTM(4, 3, { generator: gen });
    const plan = new InferencePlan(3, 6);
    try {
      lstm.toPlan(plan, true);
      head.toPlan(plan);
      plan.repeat();
      dec.toPlan(plan);
      const B = 3, x = wave(B * 6 * 3, 1);
      const want = new Float32Array(B * 6 * 3);
      noGrad(() => tidy(() => {
        const h = lstm.forward(tensorOf([B, 6, 3], x)).output;
        const last = Tensor.empty([B, 7]);
        const hv = h.toArray();
        const lv = new Float32Array(B * 7);
        for (let b = 0; b < B; b++) lv.set(hv.subarray((b * 6 + 5) * 7, (b * 6 + 6) * 7), b * 7);
        native.write(last.native, lv);
        const z = head.forward(last).toArray();
        const rep = new Float32Array(B * 6 * 4);
        for (let b = 0; b < B; b++) for (let t = 0; t < 6; t++) rep.set(z.subarray(b * 4, b * 4 + 4), (b * 6 + t) * 4);
        native.read(dec.forward(tensorOf([B, 6, 4], rep)).output.native, want);
      }));
      assert.deepEqual(Array.from(plan.run(x, B, false)), Array.from(want));
      assert.deepEqual(Array.from(plan.run(x, B, true)), Array.from(opErrorsOf(want, x, B, 6, 3)));
    } finally {
      plan.dispose();
      for (const mod of [lstm, head, dec]) mod.dispose();
    }
  });

  it('keeps the weights it was built with (a snapshot)', () => {
    const m = lstmAe({ window: 8, encoder: [6], latent: 2, decoderDense: 4, decoder: [6] });
    const plan = m.inferencePlan();
    try {
      const x = wave(2 * 8 * 5, 4);
      const before = plan.run(x, 2, true);
      for (const p of m.parameters()) native.fill(p.native, 0.5);
      assert.deepEqual(Array.from(plan.run(x, 2, true)), Array.from(before));
      assert.notDeepEqual(Array.from(opErrors(m, x, 2)), Array.from(before));
    } finally {
      plan.dispose();
      m.dispose();
    }
  });

  it('refuses chains that do not fit, with the sizes in the message', () => {
    const plan = new InferencePlan(4, 5);
    const gen = new Generator(1);
    const mods = [new LSTM(3, 6, { generator: gen }), new LSTM(4, 6, { generator: gen }), new Linear(5, 2, { generator: gen }), new BatchNorm1d(6, { channelAxis: 1 })];
    try {
      assert.throws(() => mods[0].toPlan(plan), /lstm: input size 3 does not match the 4/);
      assert.throws(() => plan.repeat(), /repeat: needs one vector per window/);
      mods[1].toPlan(plan);
      assert.throws(() => mods[2].toPlan(plan), /linear: input size 5 does not match the 6/);
      assert.throws(() => (mods[3] as BatchNorm1d).toPlan(plan), /channelAxis -1/);
      assert.throws(() => plan.run(new Float32Array(40), 2, true), /errors need a chain that ends in a sequence of the input's shape/);
      assert.equal(plan.outputSize(false), 5 * 6); // the failed adds left the chain as it was
      assert.throws(() => plan.run(new Float32Array(39), 1, false), /1 windows need x of 20 and out of 30 floats, got 39/);
      assert.throws(() => plan.run(new Float64Array(20) as unknown as Float32Array, 1, false), /x must be a Float32Array/);
      const f64 = Tensor.zeros([24, 4], { dtype: 'float64' });
      assert.throws(() => plan.lstm(f64, f64, null, null), /float32 on the CPU/);
      f64.dispose();
    } finally {
      plan.dispose();
      for (const mod of mods) mod.dispose();
    }
    assert.throws(() => plan.run(new Float32Array(20), 1, false), /used after dispose/);
    assert.throws(() => new InferencePlan(0, 5), /inputs and window must be >= 1/);
  });
});

/** mean over steps of (y - x)^2 per channel, as the ops compute it (float squares, double sums). */
function opErrorsOf(y: Float32Array, x: Float32Array, B: number, T: number, F: number): Float32Array {
  const out = new Float32Array(B * F);
  const sq = new Float32Array(1);
  for (let b = 0; b < B; b++)
    for (let c = 0; c < F; c++) {
      let s = 0;
      for (let t = 0; t < T; t++) {
        const d = Math.fround(y[(b * T + t) * F + c] - x[(b * T + t) * F + c]);
        sq[0] = d * d;
        s += sq[0];
      }
      out[b * F + c] = (1 / T) * s;
    }
  return out;
}
