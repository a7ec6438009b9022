import { strict as assert } from 'node:assert';

import { aucPr, aucRoc } from '../../lib/eval/metrics';
import { philoxUniform } from '../helpers/philox';
import { rangeAuc, vus } from '../../lib/eval/vus';

const close = (a: number, b: number, tol: number, what: string): void =>
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b} (tol ${tol})`);

/**
 * The range areas for buffer length l computed literally from the definition in vus.ts: every
 * threshold re-scans the whole series (O(n^2)), no incremental state, ranges merged by pairwise
 * overlap. Independent of the sweep in vus.ts.
 */
function bruteRange(scores: number[], labels: number[], l: number, values?: number[]): { pr: number; roc: number } {
  const n = scores.length;
  const h = Math.floor(l / 2);
  const events: [number, number][] = [];
  for (let t = 0; t < n; t++) if (labels[t] && (t === 0 || !labels[t - 1])) {
    let e = t;
    while (e < n && labels[e]) e++;
    events.push([t, e]);
  }
  const w = scores.map((_, t) => {
    if (labels[t]) return 1;
    let s = 0;
    for (const [a, b] of events) {
      const before = a - t, after = t - (b - 1);
      if (before >= 1 && before <= h) s += Math.sqrt(1 - before / l);
      if (after >= 1 && after <= h) s += Math.sqrt(1 - after / l);
    }
    return Math.min(s, 1);
  });
  const ranges: [number, number][] = [];
  for (const [a, b] of events) {
    const lo = Math.max(0, a - h), hi = Math.min(n - 1, b - 1 + h);
    const last = ranges[ranges.length - 1];
    if (last && lo <= last[1]) last[1] = Math.max(last[1], hi);
    else ranges.push([lo, hi]);
  }
  const P = labels.reduce((s, v) => s + v, 0);
  const thresholds = values ?? [...new Set(scores)].sort((a, b) => b - a);
  let pr = 0, roc = 0, pTpr = 0, pFpr = 0;
  for (const v of thresholds) {
    const pred = scores.map((s) => s >= v);
    let tp = 0, a = 0, flagged = 0;
    pred.forEach((p, t) => p && ((tp += w[t]), (a += labels[t]), flagged++));
    const exist = ranges.filter(([lo, hi]) => pred.slice(lo, hi + 1).some(Boolean)).length;
    const pl = P + (tp - a) / 2;
    const tpr = Math.min(tp / pl, 1) * (exist / ranges.length);
    const fpr = (flagged - tp) / (n - pl);
    pr += (tpr - pTpr) * (tp / flagged);
    roc += ((fpr - pFpr) * (tpr + pTpr)) / 2;
    pTpr = tpr;
    pFpr = fpr;
  }
  roc += ((1 - pFpr) * (1 + pTpr)) / 2;
  return { pr, roc };
}

function randomCase(seed: number, n: number, ties: boolean): { scores: number[]; labels: number[] } {
  const u = philoxUniform(3 * n, seed);
  const labels = new Array<number>(n).fill(0);
  for (let e = 0; e < 1 + (seed % 4); e++) {
    const s = Math.floor(u[n + e] * (n - 8));
    const len = 1 + Math.floor(u[2 * n + e] * 8);
    for (let t = s; t < Math.min(n, s + len); t++) labels[t] = 1;
  }
  if (seed % 3 === 0) labels[0] = labels[n - 1] = 1; // events touching both ends
  const scores = Array.from(u.subarray(0, n), (v, i) => {
    const s = v + 0.5 * labels[i] * u[2 * n + i];
    return ties ? Math.round(s * 8) / 8 : s;
  });
  return { scores, labels };
}

describe('detect: VUS', () => {
  it('range areas on a hand example (l = 2)', () => {
    // Steps 0..7, event [3,5); l = 2 -> h = 1 buffer step each side with w = sqrt(1 - 1/2) = r
    // at steps 2 and 5; one range [2,5]; P = 2, n = 8.
    const scores = [0.1, 0.2, 0.7, 0.9, 0.3, 0.8, 0.0, 0.4];
    const labels = [0, 0, 0, 1, 1, 0, 0, 0];
    const r = Math.SQRT1_2;
    // Thresholds in descending order; TP = flagged soft mass, B = TP - flagged event steps,
    // P_l = 2 + B/2, TPR = min(TP/P_l, 1) (the range is hit from the first threshold on),
    // FPR = (flagged - TP)/(8 - P_l), precision = TP/flagged.
    const pts = [
      { tp: 1, b: 0, f: 1 }, //          0.9: step 3
      { tp: 1 + r, b: r, f: 2 }, //      0.8: + step 5 (buffer)
      { tp: 1 + 2 * r, b: 2 * r, f: 3 }, // 0.7: + step 2 (buffer)
      { tp: 1 + 2 * r, b: 2 * r, f: 4 }, // 0.4: + step 7
      { tp: 2 + 2 * r, b: 2 * r, f: 5 }, // 0.3: + step 4 (event): TP/P_l > 1 -> TPR 1
      { tp: 2 + 2 * r, b: 2 * r, f: 6 },
      { tp: 2 + 2 * r, b: 2 * r, f: 7 },
      { tp: 2 + 2 * r, b: 2 * r, f: 8 },
    ];
    let pr = 0, roc = 0, pT = 0, pF = 0;
    for (const { tp, b, f } of pts) {
      const pl = 2 + b / 2;
      const tpr = Math.min(tp / pl, 1), fpr = (f - tp) / (8 - pl);
      pr += (tpr - pT) * (tp / f);
      roc += ((fpr - pF) * (tpr + pT)) / 2;
      pT = tpr;
      pF = fpr;
    }
    roc += ((1 - pF) * (1 + pT)) / 2;
    // Numerically: PR = 0.5*1 + (0.72535-0.5)*0.85355 + (0.89180-0.72535)*0.80474
    //                 + (1-0.89180)*0.68284 = 0.90018
    close(pr, 0.90018, 1e-5, 'hand PR');
    const got = rangeAuc(scores, labels, 2);
    close(got.pr, pr, 1e-12, 'range-PR');
    close(got.roc, roc, 1e-12, 'range-ROC');
    // VUS over l = 0, 1, 2: l = 0 and 1 have no buffer (h = 0), so both are the plain areas.
    const plain = rangeAuc(scores, labels, 0);
    close(vus(scores, labels, { window: 2 }).vusPr, (2 * plain.pr + pr) / 3, 1e-12, 'VUS-PR');
  });

  it('matches TSB-AD\'s implementation (RangeAUC_volume_opt) on a fixed series', () => {
    // Reference values computed by running TSB-AD's RangeAUC_volume_opt (numpy) on exactly this
    // input: four events, two of them 2 steps apart (their buffers merge), one at the end.
    const n = 300;
    const labels = new Uint8Array(n);
    for (const [s, e] of [[50, 60], [62, 70], [200, 230], [298, 300]]) labels.fill(1, s, e);
    const u = philoxUniform(n, 7);
    const scores = Float64Array.from(u, (v, i) => v + 0.4 * labels[i]);
    const sampled = vus(scores, labels, { window: 20, thresholds: 250 });
    close(sampled.vusPr, 0.6085503278350197, 1e-12, 'VUS-PR, 250 thresholds');
    close(sampled.vusRoc, 0.8356174315649418, 1e-12, 'VUS-ROC, 250 thresholds');
    const exact = vus(scores, labels, { window: 20 });
    close(exact.vusPr, 0.6095794381003955, 1e-12, 'VUS-PR, every threshold (reference with thre = n)');
    close(exact.vusRoc, 0.8355580272846099, 1e-12, 'VUS-ROC, every threshold');
  });

  it('the sweep equals the literal definition on random series (ties, adjacent events, both ends)', () => {
    for (let seed = 1; seed <= 8; seed++) {
      const { scores, labels } = randomCase(seed, 60 + seed * 7, seed % 2 === 0);
      for (const l of [0, 1, 2, 3, 6, 11]) {
        const want = bruteRange(scores, labels, l);
        const got = rangeAuc(scores, labels, l);
        close(got.pr, want.pr, 1e-12, `seed ${seed} l ${l} PR`);
        close(got.roc, want.roc, 1e-12, `seed ${seed} l ${l} ROC`);
      }
    }
  });

  it('sampled thresholds follow trunc(linspace(0, n-1, T)) of the descending scores', () => {
    const { scores, labels } = randomCase(5, 90, false);
    const desc = [...scores].sort((a, b) => b - a);
    const T = 7, step = (90 - 1) / (T - 1);
    const values = Array.from({ length: T }, (_, k) => desc[k === T - 1 ? 89 : Math.trunc(k * step)]);
    const want = bruteRange(scores, labels, 6, values);
    const got = rangeAuc(scores, labels, 6, T);
    close(got.pr, want.pr, 1e-12, 'sampled PR');
    close(got.roc, want.roc, 1e-12, 'sampled ROC');
  });

  it('at l = 0 with a single event, range-PR is AUC-PR (average precision) and range-ROC is AUC-ROC', () => {
    const u = philoxUniform(200, 11);
    const labels = new Uint8Array(200).fill(1, 80, 95);
    const scores = Float64Array.from(u, (v, i) => v + 0.6 * labels[i] * u[(i * 7) % 200]);
    const r = rangeAuc(scores, labels, 0);
    close(r.pr, aucPr(scores, labels), 1e-12, 'PR');
    close(r.roc, aucRoc(scores, labels), 1e-12, 'ROC');
    close(vus(scores, labels, { window: 0 }).vusPr, aucPr(scores, labels), 1e-12, 'VUS L=0');
  });

  it('a perfect score gives 1 for every window; a binary perfect flag too', () => {
    const n = 400;
    const labels = new Uint8Array(n);
    labels.fill(1, 0, 3);
    labels.fill(1, 100, 130);
    labels.fill(1, 134, 140);
    labels.fill(1, 390, 400);
    const u = philoxUniform(n, 2);
    const graded = Float64Array.from(u, (v, i) => (labels[i] ? 2 + v : v)); // every anomaly above every normal step
    for (const L of [0, 5, 50]) {
      for (const s of [graded, Float64Array.from(labels)]) {
        const r = vus(s, labels, { window: L });
        close(r.vusPr, 1, 1e-12, `VUS-PR L=${L}`);
        close(r.vusRoc, 1, 1e-12, `VUS-ROC L=${L}`);
      }
    }
  });

  it('rewards a detection a few steps early as the buffer grows; AUC-PR does not', () => {
    // Event [100,110); the score fires on [97,107): 3 steps early. At l = 0 the three early
    // steps are false positives; with a buffer of h >= 3 steps they carry soft label mass.
    const n = 200;
    const labels = new Uint8Array(n).fill(1, 100, 110);
    const early = new Float64Array(n).fill(1, 97, 107);
    const at0 = rangeAuc(early, labels, 0).pr;
    close(at0, aucPr(early, labels), 1e-12, 'l=0 equals AP');
    // AP by hand: first group R = 7/10, P = 7/10; then everything: R = 1, P = 10/200.
    close(at0, 0.7 * 0.7 + 0.3 * 0.05, 1e-12, 'hand AP');
    const at20 = rangeAuc(early, labels, 20).pr;
    assert.ok(at20 > at0 + 0.1, `range-PR l=20 ${at20} vs l=0 ${at0}`);
    assert.ok(vus(early, labels, { window: 20 }).vusPr > at0, 'VUS-PR L=20 above AUC-PR');
    // A score firing 30 steps early touches nothing even with L = 20 (h <= 10): its first
    // threshold has TP = 0 (TPR 0), the second flags everything (TPR 1, precision = all soft
    // mass / n), so range-PR(l) = (10 + 2 sum_{d=1..h} sqrt(1 - d/l)) / 200.
    const far = new Float64Array(n).fill(1, 60, 70);
    let want = 0;
    for (let l = 0; l <= 20; l++) {
      let mass = 10;
      for (let d = 1; d <= Math.floor(l / 2); d++) mass += 2 * Math.sqrt(1 - d / l);
      want += mass / 200 / 21;
    }
    close(vus(far, labels, { window: 20 }).vusPr, want, 1e-12, 'too far: only the all-flagged point');
    assert.ok(vus(far, labels, { window: 20 }).vusPr < vus(early, labels, { window: 20 }).vusPr);
  });

  it('depends only on the order of the scores', () => {
    const { scores, labels } = randomCase(3, 120, true);
    const a = vus(scores, labels, { window: 10 });
    const b = vus(scores.map((s) => Math.exp(3 * s) - 7), labels, { window: 10 });
    close(a.vusPr, b.vusPr, 1e-12, 'PR');
    close(a.vusRoc, b.vusRoc, 1e-12, 'ROC');
  });

  it('states its window and refuses bad input', () => {
    const r = vus([0.1, 0.9, 0.2], [0, 1, 0], { window: 4 });
    assert.equal(r.window, 4);
    assert.equal(r.thresholds, 'all');
    assert.ok(Number.isNaN(vus([0.1, 0.2], [0, 0], { window: 2 }).vusPr), 'no anomaly -> NaN');
    assert.throws(() => vus([0.1, NaN], [0, 1], { window: 2 }), /vus: score at step 1 is NaN/);
    assert.throws(() => vus([0.1, 0.2], [0, 1], { window: -1 }), /window must be an integer >= 0/);
    assert.throws(() => vus([0.1, 0.2], [0, 1, 0], { window: 1 }), /2 steps but labels have 3/);
    assert.throws(() => vus([0.1, 0.2], [0, 1], { window: 1, thresholds: 1 }), /thresholds must be/);
  });
});
