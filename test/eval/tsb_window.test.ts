import { strict as assert } from 'node:assert';

import { autocorrelation, tsbSlidingWindow, tsbWindowOfSeries, TSB_DEFAULT_WINDOW } from '../../lib/eval/tsb_window';

const wave = (n: number, f: (t: number) => number): Float64Array => Float64Array.from({ length: n }, (_, t) => f(t));
const sin = (period: number) => (t: number) => Math.sin((2 * Math.PI * t) / period);

describe('tsbSlidingWindow (TSB-AD find_length_rank, rank 1)', () => {
  it('autocorrelation of 1, 2, 3, 4 by hand: 1, 0.25, -0.3', () => {
    // mean 2.5, deviations -1.5 -0.5 0.5 1.5, sum of squares 5;
    // lag 1: 0.75 - 0.25 + 0.75 = 1.25 -> 0.25; lag 2: -0.75 - 0.75 = -1.5 -> -0.3
    const a = autocorrelation([1, 2, 3, 4], 2);
    assert.deepEqual([...a].map((v) => +v.toFixed(12)), [1, 0.25, -0.3]);
  });

  it('a sine of period 50 has window 50 (the peak at lag 50 beats lag 49 despite the (n-k)/n shrink)', () => {
    assert.equal(tsbSlidingWindow(wave(2000, sin(50))), 50);
  });

  it('takes the highest local maximum, not the first: a weak period 20 under a strong period 100', () => {
    assert.equal(tsbSlidingWindow(wave(4000, (t) => 0.3 * sin(20)(t) + sin(100)(t))), 100);
  });

  it('falls back to 125 for a period under 6, one over 303, and a constant channel', () => {
    // Period 4: the highest peak is lag 4, index 1 after dropping lags 0..2 (< 3).
    assert.equal(tsbSlidingWindow(wave(1000, (t) => (t % 4 < 2 ? 1 : -1))), TSB_DEFAULT_WINDOW);
    assert.equal(tsbSlidingWindow(wave(5000, sin(350))), TSB_DEFAULT_WINDOW);
    assert.equal(tsbSlidingWindow(new Float64Array(500).fill(3)), TSB_DEFAULT_WINDOW);
  });

  it('reads only the first 20,000 values', () => {
    const v = wave(30000, (t) => (t < 20000 ? sin(40)(t) : sin(90)(t)));
    assert.equal(tsbSlidingWindow(v), 40);
  });

  it('uses the first channel of a row-major series', () => {
    const rows = 3000, data = new Float32Array(rows * 2);
    for (let r = 0; r < rows; r++) (data[2 * r] = sin(70)(r)), (data[2 * r + 1] = sin(30)(r));
    assert.equal(tsbWindowOfSeries(data, rows, 2), 70);
  });

  it('refuses fewer than 2 values', () => {
    assert.throws(() => tsbSlidingWindow([1]), /at least 2 values/);
  });
});
