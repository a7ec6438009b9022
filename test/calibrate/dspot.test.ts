// DSPOT (lib/calibrate/dspot.ts): the moving average and the tail by hand, a level shift and a
// slow drift in normal scores against plain POT, the batch function = the incremental model
// with a JSON save/restore midway, and its errors.
import { strict as assert } from 'node:assert';

import { Dspot, dspot } from '../../lib/calibrate/dspot';
import { fitGpd, gpdTailQuantile } from '../../lib/calibrate/gpd';
import { applyThreshold, pot } from '../../lib/calibrate/thresholds';
import { philoxUniform } from '../helpers/philox';

/** Normal scores: `level(i)` plus 0.1 x an exponential draw (a model's errors on normal rows). */
function scores(n: number, level: (i: number) => number, seed = 3): Float64Array {
  const u = philoxUniform(n, seed);
  return Float64Array.from(u, (v, i) => level(i) + 0.1 * -Math.log1p(-v));
}

const sum = (a: ArrayLike<number>, from = 0, to = a.length): number => {
  let s = 0;
  for (let i = from; i < to; i++) s += a[i];
  return s;
};

describe('calibrate: DSPOT', () => {
  it('after the warm-up: threshold = the mean of the last depth scores + the POT of the warm-up residuals; a peak refits the tail', () => {
    const x = scores(300, () => 1);
    const depth = 20, risk = 1e-2;
    const m = Dspot.fromWarmup(x, { depth, risk });
    // The residuals of the warm-up by hand: score i minus the mean of the depth scores before it.
    const residuals: number[] = [];
    for (let i = depth; i < 300; i++) residuals.push(x[i] - sum(x, i - depth, i) / depth);
    const q = Math.min(0.98, 1 - 10 / residuals.length);
    const p = pot(residuals, { initialQuantile: q, risk });
    const lastMean = sum(x, 300 - depth, 300) / depth;
    assert.ok(Math.abs(m.threshold - (lastMean + p.value)) < 1e-12, `${m.threshold} vs ${lastMean + p.value}`);
    const s = m.toJSON();
    assert.equal(s.k, 280);
    assert.equal(s.initialThreshold, p.params.initialThreshold);
    assert.equal(s.peaks.length, p.params.excesses);
    // A score between t and z (in residual units) is a new peak: the GPD is refitted on all of them.
    const t = s.initialThreshold, z = s.threshold;
    const score = lastMean + (t + z) / 2;
    assert.equal(m.push(score), 0);
    const peaks = [...s.peaks, (t + z) / 2 - t];
    const expected = gpdTailQuantile(t, fitGpd(peaks), risk, 281, peaks.length);
    assert.ok(Math.abs(m.toJSON().threshold - expected) < 1e-9, `${m.toJSON().threshold} vs ${expected}`);
    assert.notEqual(expected, z);
    assert.deepEqual(m.toJSON().window, [...x.subarray(300 - depth + 1), score]);
    // A score above the threshold is flagged and changes nothing (drift 'normal').
    const before = JSON.stringify(m.toJSON());
    assert.equal(m.push(m.threshold + 1), 1);
    assert.equal(JSON.stringify(m.toJSON()), before);
  });

  it('a level shift: plain POT flags every row after it, DSPOT with drift "all" recovers within depth rows, the paper\'s drift "normal" does not', () => {
    const n = 4000, shiftAt = 2000, warmup = 1000, depth = 50, risk = 1e-3;
    const x = scores(n, (i) => (i < shiftAt ? 1 : 3));
    const plain = applyThreshold(x.subarray(shiftAt), pot(x.subarray(0, warmup), { risk }));
    assert.equal(sum(plain), n - shiftAt, 'plain POT flags everything after the shift');
    const all = dspot(x, { warmup, depth, risk, drift: 'all' }).flags;
    const normal = dspot(x, { warmup, depth, risk, drift: 'normal' }).flags;
    assert.ok(sum(all, warmup, shiftAt) <= 5 && sum(normal, warmup, shiftAt) <= 5, 'before the shift: few flags');
    assert.ok(sum(all, shiftAt, shiftAt + 10) === 10, 'the shift itself is flagged');
    // The run of flags the shift opens ends within depth rows (the moving average has caught up);
    // after it, flags come at about the risk's rate.
    const end = all.indexOf(0, shiftAt);
    assert.ok(end > shiftAt && end < shiftAt + depth, `drift "all": the shift's flags end at row ${end}, within ${depth} rows of it`);
    assert.ok(sum(all, shiftAt + depth) <= 10, `drift "all": ${sum(all, shiftAt + depth)} flags after the first ${depth} shifted rows`);
    assert.equal(sum(normal, shiftAt), n - shiftAt, 'drift "normal": flagged scores never reach the moving average, so the shift stays flagged');
  });

  it('a slow drift: plain POT flags most late rows, DSPOT (drift "normal") follows it', () => {
    const n = 6000, warmup = 1000, risk = 1e-3;
    const x = scores(n, (i) => 1 + (2 * i) / n, 5);
    const plain = applyThreshold(x.subarray(warmup), pot(x.subarray(0, warmup), { risk }));
    assert.ok(sum(plain) > 0.6 * (n - warmup), `plain POT: ${sum(plain)} of ${n - warmup}`);
    const { flags, thresholds } = dspot(x, { warmup, depth: 30, risk });
    assert.ok(sum(flags) < 0.01 * (n - warmup), `DSPOT: ${sum(flags)} of ${n - warmup}`);
    assert.ok(thresholds[n - 1] > thresholds[warmup] + 1.5, 'its threshold rose with the level');
    assert.ok(thresholds.subarray(0, warmup).every((v) => Number.isNaN(v)) && flags.subarray(0, warmup).every((f) => f === 0));
  });

  it('the batch function = the incremental model, through a JSON save and restore midway', () => {
    // A slow wave with a spike every 97 rows: peaks, refits and flags all occur.
    const x = scores(3000, (i) => 1 + 0.3 * Math.sin(i / 50) + (i % 97 === 0 ? 1 : 0), 9);
    for (const drift of ['normal', 'all'] as const) {
      const opts = { warmup: 400, depth: 40, risk: 5e-3, drift };
      const batch = dspot(x, opts);
      let m = Dspot.fromWarmup(x.subarray(0, 400), opts);
      const flags = new Uint8Array(x.length), thresholds = new Float64Array(x.length).fill(NaN);
      for (let i = 400; i < x.length; i++) {
        if (i === 1700) m = Dspot.fromJSON(JSON.parse(JSON.stringify(m.toJSON())));
        thresholds[i] = m.threshold;
        flags[i] = m.push(x[i]);
      }
      assert.deepEqual(flags, batch.flags, drift);
      assert.deepEqual(thresholds, batch.thresholds, drift);
      const f = sum(flags);
      assert.ok(f > 0 && f < 300, `${drift}: ${f} flags`);
    }
  });

  it('refuses bad options, too short a warm-up, non-finite scores and foreign states', () => {
    const x = scores(200, () => 1);
    assert.throws(() => Dspot.fromWarmup(x, { depth: -1, risk: 1e-3 }), /depth must be a non-negative integer/);
    assert.throws(() => Dspot.fromWarmup(x, { depth: 10, risk: 0 }), /risk must be in \(0, 1\)/);
    assert.throws(() => Dspot.fromWarmup(x, { depth: 10, risk: 1e-3, drift: 'some' as never }), /drift must be 'normal' or 'all'/);
    assert.throws(() => Dspot.fromWarmup(x, { depth: 160, risk: 1e-3 }), /warmup must be an integer at least depth \+ 50 \(210\)/);
    const bad = Float64Array.from(x);
    bad[30] = NaN;
    assert.throws(() => Dspot.fromWarmup(bad, { depth: 10, risk: 1e-3 }), /warm-up score 30 is NaN/);
    const m = Dspot.fromWarmup(x, { depth: 10, risk: 1e-3 });
    assert.throws(() => m.push(Infinity), /the score pushed is Infinity/);
    assert.throws(() => dspot(x, { warmup: 300, depth: 10, risk: 1e-3 }), /warmup must be an integer at most the 200 scores/);
    assert.throws(() => Dspot.fromJSON({ format: 'x' } as never), /not a state written by Dspot.toJSON/);
    assert.throws(() => Dspot.fromJSON({ ...m.toJSON(), window: new Array(11).fill(1) }), /window must hold at most depth \(10\)/);
    assert.throws(() => Dspot.fromJSON({ ...m.toJSON(), k: 1 }), /k must be an integer >= the number of peaks/);
  });
});
