import { strict as assert } from 'node:assert';

import { compositeF1, eventMetrics, pointAdjustedF1Diagnostic, segments } from '../../lib/eval/events';
import { aucPr, pointMetrics } from '../../lib/eval/metrics';
import { philoxUniform } from '../helpers/philox';
import { quantileThreshold, applyThreshold } from '../../lib/calibrate/thresholds';
import { vus } from '../../lib/eval/vus';

const close = (a: number | null, b: number, tol: number, what: string): void =>
  assert.ok(a !== null && Math.abs(a - b) <= tol, `${what}: ${a} vs ${b} (tol ${tol})`);

// step    0 1 2 3 4 5 6 7 8 9
// labels  0 1 1 1 0 0 1 1 0 0   events [1,4) and [6,8)
// flags   1 0 0 1 0 0 0 0 1 1   alarm runs [0,1), [3,4), [8,10)
const labels = [0, 1, 1, 1, 0, 0, 1, 1, 0, 0];
const flags = [1, 0, 0, 1, 0, 0, 0, 0, 1, 1];

describe('detect: event-wise metrics', () => {
  it('segments are maximal runs, end exclusive', () => {
    assert.deepEqual(segments(labels), [{ start: 1, end: 4 }, { start: 6, end: 8 }]);
    assert.deepEqual(segments([1, 1, 0, 1]), [{ start: 0, end: 2 }, { start: 3, end: 4 }]);
    assert.deepEqual(segments([]), []);
  });

  it('event recall, time to detect and false alarms by hand', () => {
    // Event [1,4) first flagged at 3: delay 2 steps. Event [6,8) missed. Recall 1/2.
    // Alarm runs [0,1) and [8,10) touch no event: 2 false alarms of 3 runs.
    // One step a minute: 10 steps cover 10 min = 1/144 day -> 2 * 144 = 288 per day;
    // per 10k steps: 2 * 10000 / 10 = 2000.
    const m = eventMetrics(flags, labels, { stepSeconds: 60 });
    assert.equal(m.events, 2);
    assert.equal(m.detected, 1);
    close(m.eventRecall, 0.5, 0, 'recall');
    assert.deepEqual(m.perEvent[0], { start: 1, end: 4, detectedAt: 3, delaySteps: 2, delaySeconds: 120 });
    assert.deepEqual(m.perEvent[1], { start: 6, end: 8, detectedAt: null, delaySteps: null, delaySeconds: null });
    assert.deepEqual(m.timeToDetect, { meanSteps: 2, medianSteps: 2, meanSeconds: 120, medianSeconds: 120 });
    assert.equal(m.alarms, 3);
    assert.equal(m.falseAlarms, 2);
    close(m.falseAlarmsPerDay, 288, 1e-9, 'per day');
    close(m.falseAlarmsPer10kSteps, 2000, 0, 'per 10k steps');
  });

  it('uses timestamps (ms) when given: seconds from the clock, not from a step length', () => {
    // Steps 30 s apart except one 90 s gap before step 3. Delay of event 1: t3 - t1 = 30 + 90.
    // Covered time: t9 - t0 + median gap 30 s = (8*30 + 90) + 30 = 360 s -> 2 * 86400/360 = 480/day.
    const t0 = Date.UTC(2024, 0, 1);
    const ts = [0, 30, 60, 150, 180, 210, 240, 270, 300, 330].map((s) => t0 + s * 1000);
    const m = eventMetrics(flags, labels, { timestamps: ts, stepSeconds: 999 });
    close(m.perEvent[0].delaySeconds, 120, 1e-9, 'delay s');
    close(m.coveredSeconds, 360, 1e-9, 'covered');
    close(m.falseAlarmsPerDay, 480, 1e-9, 'per day');
    // Without any time base there are no seconds and no per-day rate.
    const bare = eventMetrics(flags, labels);
    assert.equal(bare.falseAlarmsPerDay, null);
    assert.equal(bare.timeToDetect.meanSeconds, null);
    assert.throws(() => eventMetrics(flags, labels, { timestamps: [1, 2] }), /2 timestamps for 10 steps/);
  });

  it('composite F1 = harmonic mean of point precision and event recall (Garg et al.)', () => {
    // Point: TP 1 (step 3), FP 3 (0, 8, 9) -> precision 1/4. Event recall 1/2.
    // F1c = 2 * 1/4 * 1/2 / (1/4 + 1/2) = 1/3. Point F1 for contrast: P 1/4, R 1/5 -> 2/9.
    const c = compositeF1(flags, labels);
    close(c.precision, 0.25, 0, 'P');
    close(c.eventRecall, 0.5, 0, 'Re');
    close(c.f1, 1 / 3, 1e-15, 'F1c');
    close(pointMetrics(flags, labels).f1, 2 / 9, 1e-15, 'point F1');
  });

  it('point adjustment (diagnostic) by hand', () => {
    // Event [1,4) was hit once -> steps 1,2,3 all count as flagged; event [6,8) was missed.
    // Adjusted: TP 3, FP 3, FN 2 -> P 1/2, R 3/5, F1 = 2*0.3/1.1 = 6/11.
    const pa = pointAdjustedF1Diagnostic(flags, labels);
    assert.deepEqual([pa.tp, pa.fp, pa.fn, pa.tn], [3, 3, 2, 2]);
    close(pa.f1, 6 / 11, 1e-15, 'PA F1');
  });

  it('point adjustment lets a random score look good (Kim et al. 2022); the honest metrics do not', () => {
    // 10,000 steps, ten events of 100 steps (10 % anomalous), a uniform random score flagged at its
    // own 95 % quantile. Each event is hit with probability 1 - 0.95^100 ~ 0.994, so PA recall ~ 1
    // and PA precision ~ 1000 / (1000 + 450) ~ 0.69: PA-F1 ~ 0.8. Point F1 ~ 2*0.1*0.05/0.15 ~ 0.07.
    const n = 10000;
    const y = new Uint8Array(n);
    for (let e = 0; e < 10; e++) y.fill(1, 500 + e * 950, 600 + e * 950);
    const s = philoxUniform(n, 2024);
    const f = applyThreshold(s, quantileThreshold(s, 0.95));
    const pa = pointAdjustedF1Diagnostic(f, y).f1;
    const point = pointMetrics(f, y).f1;
    assert.ok(pa > 0.7, `PA-F1 of a random score ${pa}`);
    assert.ok(point < 0.12, `point F1 of a random score ${point}`);
    assert.ok(aucPr(s, y) < 0.15, `AUC-PR of a random score ${aucPr(s, y)}`);
    assert.ok(vus(s, y, { window: 20 }).vusPr < 0.2, 'VUS-PR of a random score');
  });
});
