import { strict as assert } from 'node:assert';

import { randomScores } from '../../lib/eval/baselines';
import { aucPr, aucRoc, compositeF1, pointMetrics } from '../../lib/eval/metrics';
import { philoxUniform } from '../helpers/philox';
import { evaluate, formatReport } from '../../lib/eval/report';
import { applyThreshold, quantileThreshold } from '../../lib/calibrate/thresholds';
import { vus } from '../../lib/eval/vus';

/** 2,000 steps a minute apart, three events; a useful score and a random one. */
function scenario() {
  const n = 2000;
  const labels = new Uint8Array(n);
  labels.fill(1, 300, 340);
  labels.fill(1, 1000, 1010);
  labels.fill(1, 1700, 1760);
  const u = philoxUniform(n, 9);
  const good = Float64Array.from(u, (v, i) => v + (labels[i] ? 0.8 : 0));
  const random = randomScores({ rows: n }, 1);
  const t0 = Date.UTC(2024, 0, 1);
  const timestamps = Float64Array.from({ length: n }, (_, i) => t0 + i * 60000);
  return { n, labels, good, random, timestamps };
}

describe('detect: report', () => {
  it('evaluate: threshold-free numbers first, then point, event, diagnostic; values from the metrics', () => {
    const { labels, good, timestamps } = scenario();
    // A threshold from "validation" scores: the normal part of a separate draw.
    const threshold = quantileThreshold(philoxUniform(5000, 77), 0.99);
    const r = evaluate(good, labels, { threshold, vusWindow: 20, timestamps });
    assert.deepEqual(Object.keys(r), ['steps', 'anomalousSteps', 'thresholdFree', 'threshold', 'point', 'event', 'diagnostic']);
    assert.deepEqual(Object.keys(r.thresholdFree), ['vusWindow', 'vusThresholds', 'vusPr', 'aucPr', 'aucRoc', 'vusRoc']);
    assert.equal(r.thresholdFree.vusWindow, 20);
    assert.equal(r.thresholdFree.aucPr, aucPr(good, labels));
    assert.equal(r.thresholdFree.aucRoc, aucRoc(good, labels));
    assert.equal(r.thresholdFree.vusPr, vus(good, labels, { window: 20 }).vusPr);
    const flags = applyThreshold(good, threshold);
    assert.deepEqual(r.point, pointMetrics(flags, labels));
    assert.equal(r.event.compositeF1, compositeF1(flags, labels).f1);
    assert.equal(r.event.events, 3);
    assert.equal(r.event.timeBase, 'timestamps');
    assert.ok(r.event.falseAlarmsPerDay !== null && r.event.falseAlarmsPerDay > 0);
    assert.equal(r.threshold.method, 'quantile');
    assert.match(r.diagnostic.note, /never a headline number/);
    assert.equal(r.steps, 2000);
    assert.equal(r.anomalousSteps, 110);
  });

  it('evaluate records a bare number as a fixed threshold and adds attribution when given', () => {
    const { labels, good } = scenario();
    const errors = new Float32Array(2000 * 3);
    for (let t = 0; t < 2000; t++) errors[t * 3 + (labels[t] ? 2 : 0)] = 1; // blames channel 2 in events
    const r = evaluate(good, labels, {
      threshold: 0.95, vusWindow: 0, stepSeconds: 60,
      attribution: { errors, channels: 3, labelled: [{ start: 300, end: 340, channels: [2] }] },
    });
    assert.deepEqual(r.threshold, { value: 0.95, method: 'fixed', params: {} });
    assert.deepEqual(r.attribution, { hitRate: { 100: 1, 150: 1 }, steps: 40 });
    assert.equal(r.event.timeBase, 'stepSeconds');
    assert.deepEqual(Object.keys(r).slice(-2), ['attribution', 'diagnostic']);
  });

  it('formatReport: scorers side by side, sections in order, a scorer losing to random marked', () => {
    const { labels, good, random, timestamps } = scenario();
    const threshold = quantileThreshold(philoxUniform(5000, 77), 0.99);
    const opts = { threshold, vusWindow: 20, timestamps };
    const inverted = Float64Array.from(good, (v) => -v); // worse than chance
    const rows = [
      { name: 'Vigil', report: evaluate(good, labels, opts) },
      { name: 'random', report: evaluate(random, labels, opts) },
      { name: 'PCA', report: evaluate(inverted, labels, { ...opts, threshold: quantileThreshold(inverted, 0.99) }) },
    ];
    const table = formatReport(rows);
    const at = (s: string): number => {
      const i = table.indexOf(s);
      assert.ok(i >= 0, `table lacks "${s}":\n${table}`);
      return i;
    };
    const order = ['threshold-free (VUS window L=20)', 'VUS-PR', 'AUC-PR', 'AUC-ROC', 'VUS-ROC', 'at the threshold fitted',
      '\n  precision', 'event-wise', 'composite F1', 'time to detect, mean (s)', 'false alarms per day', 'DIAGNOSTIC ONLY', 'point-adjusted F1'];
    order.reduce((prev, s) => {
      const i = at(s);
      assert.ok(i > prev, `"${s}" out of order`);
      return i;
    }, -1);
    const header = table.split('\n')[0];
    assert.match(header, /Vigil\s+random\s+PCA \*/, 'PCA (here an inverted score) is marked, Vigil is not');
    assert.match(table, /\* does not beat the random score/);
    const json = JSON.parse(formatReport(rows, 'json'));
    assert.deepEqual(Object.keys(json), ['Vigil', 'random', 'PCA']);
    assert.equal(json.Vigil.thresholdFree.vusWindow, 20);
    assert.equal(json.random.thresholdFree.vusPr, rows[1].report.thresholdFree.vusPr);
  });
});
