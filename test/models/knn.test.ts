// The knn model kind (models/knn): the k-th, mean and LOF scores worked by hand on tiny
// references, the time-stratified reference, planted faults scored above normal rows through
// the pipeline, bundle round trip and batch = stream (every score), attribution, and the
// refusals (configs, too few windows, a tampered reference); the ONNX graph of each score
// against the native engine.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { pipeline } from '../..';
import { exportDetectorOnnx } from '../../lib/onnx/export/export';
import { verifyOnnx } from '../../lib/onnx/export/verify';
import { Generator } from '../../lib/random';
import { Tensor } from '../../lib/tensor';
import { Knn, knnKind, nearest, stratifiedSample, type KnnConfig } from '../../models/knn';
import { assertServedAlike, rows } from './classic_pipeline';

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-6, `${what}: ${a} vs ${b}`);

/** A model of `config` whose reference is exactly `windows` (fewer than `reference`: all kept, in order). */
function fittedOn(config: Omit<KnnConfig, 'reference'>, windows: number[]): Knn {
  const count = windows.length / (config.window * config.inputs);
  const m = knnKind.create({ ...config, reference: count }) as Knn;
  m.fitSamples(Float32Array.from(windows), count, new Generator(0));
  return m;
}

function scoresOf(m: Knn, windows: number[]): number[] {
  const { window, inputs } = m.config;
  const x = Tensor.fromArray(windows, [windows.length / (window * inputs), window, inputs]);
  try {
    return Array.from(m.scores(x).toArray());
  } finally {
    x.dispose();
  }
}

describe('knn: the scores by hand', () => {
  // Reference rows (window 1, 2 channels): (0,0) (1,0) (0,2) (3,4) (6,8).
  const ref = [0, 0, 1, 0, 0, 2, 3, 4, 6, 8];

  it('k-th and mean distance to the reference', () => {
    const kth = fittedOn({ inputs: 2, window: 1, k: 3, score: 'kth' }, ref);
    const mean = fittedOn({ inputs: 2, window: 1, k: 2, score: 'mean' }, ref);
    try {
      // (0,0): distances 0, 1, 2, 5, 10; (3,0): 3, 2, sqrt 13, 4, sqrt 73 -> sorted 2, 3, sqrt 13.
      const s = scoresOf(kth, [0, 0, 3, 0]);
      close(s[0], 2, 'kth (0,0)');
      close(s[1], Math.sqrt(13), 'kth (3,0)');
      const m = scoresOf(mean, [0, 0, 3, 0]);
      close(m[0], 0.5, 'mean of 0 and 1');
      close(m[1], 2.5, 'mean of 2 and 3');
      // Attribution: the squared differences to the 2 nearest, (1,0) and (0,0), per channel, halved.
      const x = Tensor.fromArray([3, 0], [1, 1, 2]);
      assert.deepEqual(Array.from(mean.channelErrors(x).toArray()), [(4 + 9) / 2, 0]);
      x.dispose();
    } finally {
      kth.dispose();
      mean.dispose();
    }
  });

  it('a window as its rows flattened: distance over every row and channel', () => {
    // Window 2 of 1 channel: references (0,0) and (3,4); the query (0,4) is 4 and 3 away.
    const m = fittedOn({ inputs: 1, window: 2, k: 2, score: 'kth' }, [0, 0, 3, 4]);
    try {
      close(scoresOf(m, [0, 4])[0], 4, 'the farther of 4 and 3');
    } finally {
      m.dispose();
    }
  });

  it('LOF on 0, 1, 2, 10 with k 2: k-distances 2, 1, 2, 9; lrd 2/3, 1/2, 2/3, 1/8.5', () => {
    const m = fittedOn({ inputs: 1, window: 1, k: 2, score: 'lof' }, [0, 1, 2, 10]);
    try {
      // 5: neighbours 2 (d 3) and 1 (d 4), reach max(2, 3) and max(1, 4): lrd 1/3.5, LOF 3.5 (2/3 + 1/2) / 2.
      // 1: neighbours 1 (d 0), then 0 and 2 tie at 1, 0 first: reach 1 and 2, LOF 1.5 (1/2 + 2/3) / 2.
      // 10: neighbours 10 (d 0) and 2 (d 8): reach 9 and 8, LOF 8.5 (1/8.5 + 2/3) / 2.
      const s = scoresOf(m, [5, 1, 10]);
      close(s[0], 3.5 * (7 / 12), 'LOF(5)');
      close(s[1], 1.5 * (7 / 12), 'LOF(1)');
      close(s[2], 8.5 * (1 / 8.5 + 2 / 3) / 2, 'LOF(10)');
    } finally {
      m.dispose();
    }
  });

  it('the screened search finds what a float64 search over every row finds, far from 0 and on ties too', () => {
    // Values near 1000 with spreads of 1e-3: the float32 estimates of the squared distances are
    // off by far more than the distances themselves, so only the exact pass can rank them.
    const gen = new Generator(5);
    const dim = 12, R = 300, Q = 40, k = 4;
    for (const [level, spread] of [[0, 1], [1000, 1e-3]]) {
      const u = gen.uniform([(R + Q) * dim], 0, 1, { dtype: 'float64' });
      const v = Float32Array.from(u.toArray(), (x) => level + spread * x);
      u.dispose();
      const ref = v.slice(0, R * dim), q = v.slice(R * dim);
      ref.copyWithin(7 * dim, 3 * dim, 4 * dim); // reference rows 3 and 7 equal: a tie
      q.set(ref.subarray(3 * dim, 4 * dim), 0); // query 0 is that row
      const nb = nearest(q, Q, ref, R, dim, k);
      for (let i = 0; i < Q; i++) {
        const all = Array.from({ length: R }, (_, j) => {
          let d = 0;
          for (let c = 0; c < dim; c++) d += (q[i * dim + c] - ref[j * dim + c]) ** 2;
          return { j, d };
        }).sort((a, b) => a.d - b.d || a.j - b.j);
        assert.deepEqual(Array.from(nb.index.subarray(i * k, (i + 1) * k)), all.slice(0, k).map((a) => a.j), `level ${level}, query ${i}`);
        assert.deepEqual(Array.from(nb.distance.subarray(i * k, (i + 1) * k)), all.slice(0, k).map((a) => Math.sqrt(a.d)), `level ${level}, query ${i}`);
      }
      assert.deepEqual(Array.from(nb.index.subarray(0, 2)), [3, 7], 'the tie at 0: lower index first');
    }
  });

  it('the reference: one window per time stratum, seeded; all windows when fewer', () => {
    const a = stratifiedSample(10, 3, new Generator(1));
    assert.ok(a[0] >= 0 && a[0] < 3 && a[1] >= 3 && a[1] < 6 && a[2] >= 6 && a[2] < 10, `${a}`);
    assert.deepEqual(stratifiedSample(10, 3, new Generator(1)), a);
    assert.deepEqual(Array.from(stratifiedSample(4, 6, new Generator(1))), [0, 1, 2, 3]);
    const many = [new Generator(1), new Generator(2)].map((g) => Array.from(stratifiedSample(1000, 50, g)));
    assert.notDeepEqual(many[0], many[1]);
  });

  it('refuses too few windows, LOF on repeats, and a tampered reference at load', () => {
    assert.throws(() => fittedOn({ inputs: 1, window: 1, k: 3, score: 'kth' }, [0, 1]), /knn: k must be an integer in \[1, 2\]/);
    const small = knnKind.create({ inputs: 1, window: 1, k: 3, score: 'kth', reference: 10 }) as Knn;
    assert.throws(() => small.fitSamples(Float32Array.from([0, 1]), 2, new Generator(0)), /knn: k 3 needs at least 3 training windows, got 2/);
    small.dispose();
    // LOF keeps distinct windows only: 0, 1 remain of 0, 0, 0, 1, too few for k 2.
    const lof = knnKind.create({ inputs: 1, window: 1, k: 2, score: 'lof', reference: 10 }) as Knn;
    assert.throws(() => lof.fitSamples(Float32Array.from([0, 0, 0, 1]), 4, new Generator(0)), /needs at least 3 distinct training windows, got 2/);
    lof.fitSamples(Float32Array.from([0, 0, 0, 1, 2]), 5, new Generator(0));
    const state = new Map([...lof.stateDict()].map(([n, t]) => [n, t.clone()]));
    // A hand-made reference with a window three times: LOF's density is infinite there.
    state.get('windows')!.assign(Float32Array.from({ length: 10 }, (_, i) => (i < 3 ? 7 : 0)));
    assert.throws(() => lof.loadStateDict(state), /knn: reference window 0 has 2 neighbours at distance 0/);
    state.get('count')!.assign([11]);
    assert.throws(() => lof.loadStateDict(state), /knn: the stored reference count must be an integer in \[3, 10\] .*got 11/);
    for (const t of state.values()) t.dispose();
    lof.dispose();
  });

  it('refuses bad configs with the field and what it must be', () => {
    const bad = (over: Record<string, unknown>) => () => knnKind.create(knnKind.defaultConfig(5, over));
    assert.throws(bad({ k: 0 }), /knn: k must be an integer in \[1, 2000\] .*got 0/);
    assert.throws(bad({ k: 2000, score: 'lof' }), /knn: k must be an integer in \[1, 1999\] \(reference 2000, score lof\), got 2000/);
    assert.throws(bad({ score: 'median' }), /knn: score must be one of kth, mean, lof, got "median"/);
    assert.throws(bad({ reference: 1 }), /knn: reference must be an integer in \[2, 100000\], got 1/);
    assert.throws(bad({ reference: 100000, window: 100 }), /knn: reference must be at most 33554 windows of 100 x 5 values/);
    assert.throws(bad({ window: 2.5 }), /knn: window must be/);
  });
});

describe('knn model kind', function () {
  this.timeout(120000);
  let dir = '';
  before(() => (dir = mkdtempSync(join(tmpdir(), 'vigil-knn-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const config = { window: 5, reference: 300 };

  it('planted faults score above normal rows; round trip, batch = stream, attribution', async () => {
    const fitted = await pipeline.fitDetector(rows(1000, false, 1), { kind: 'knn', config, seed: 0, progress: false });
    try {
      const test = rows(500, true, 5);
      const e = pipeline.evaluateDetector(fitted, test, { labels: test.labels! });
      assert.deepEqual(e.reports.map((r) => r.name), ['knn', 'random', 'PCA']);
      const auc = e.reports[0].report.thresholdFree.aucRoc;
      assert.ok(auc > e.reports[1].report.thresholdFree.aucRoc + 0.1, `AUC-ROC of the planted faults ${auc}`);
      assert.equal(fitted.info.errorScale, undefined, 'the distance is used as it is');

      // An offset on channel d alone: far from every reference window, and blamed on d.
      const shifted = rows(300, false, 7);
      for (let r = 200; r < 220; r++) shifted.data[r * 5 + 3] += 5;
      const scores = await assertServedAlike(join(dir, 'knn.vigil'), fitted, shifted);
      assert.ok(scores[210] > Math.max(...scores.subarray(4, 200)), 'the offset scores above every normal row');
      const errs = Array.from(pipeline.scoreSeries(fitted, shifted).channelErrors.subarray(210 * 5, 211 * 5));
      assert.equal(errs.indexOf(Math.max(...errs)), 3, `channel d is blamed: ${errs}`);
    } finally {
      fitted.model.dispose();
    }
  });

  /** onnxruntime on 40 windows (faults included) equals the native channel errors and scores within 1e-4. */
  async function assertOnnxMatches(fitted: pipeline.FittedDetector): Promise<void> {
    const r = await verifyOnnx(fitted.model, exportDetectorOnnx(fitted), rows(200, true, 11).data, 40);
    assert.deepEqual(r.compared.map((c) => c.output), ['channel_errors', 'scores']);
    assert.ok(r.ok, `onnxruntime vs native within 1e-4 + 1e-4 |native|: ${JSON.stringify(r.compared)}`);
  }

  it('mean and LOF: served alike, one reference per seed; each score exports to ONNX', async () => {
    for (const score of ['kth', 'mean', 'lof']) {
      const fit = (seed: number) => pipeline.fitDetector(rows(600, false, 1), { kind: 'knn', config: { ...config, score, reference: 100 }, seed, progress: false });
      const [a, b, c] = [await fit(3), await fit(3), await fit(4)];
      try {
        const state = (d: typeof a) => [...d.model.stateDict()].map(([n, t]) => [n, Array.from(t.toArray())]);
        assert.deepEqual(state(a), state(b));
        assert.notDeepEqual(state(a), state(c));
        await assertServedAlike(join(dir, `knn-${score}.vigil`), a, rows(120, true, 9));
        await assertOnnxMatches(a);
      } finally {
        for (const d of [a, b, c]) d.model.dispose();
      }
    }
  });
});
