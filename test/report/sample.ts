// A small report input built without training: a sine-and-noise series with two attack spans,
// a score that rises inside them, its alarm episodes, and a report from lib/eval/report.ts.
import type { Series } from '../../lib/data/series';
import { evaluate } from '../../lib/eval/report';
import { defaultPostRules, episodes } from '../../lib/detect/episodes';
import { attackResults, episodeRecords, type ReportInput } from '../../tools/report';
import { formatTime, UTC } from '../../tools/report/time';

export function sampleReportInput(rows = 6000): ReportInput {
  const columns = ['LIT101', 'FIT101', 'P101'];
  const C = columns.length;
  const data = new Float32Array(rows * C);
  const labels = new Uint8Array(rows);
  const attacks = [
    { id: 'A1', kind: 'sensor-constant', startRow: 1500, endRow: 1800, channels: ['LIT101'], stealthy: false },
    { id: 'A2', kind: 'slow-ramp', startRow: 4000, endRow: 4600, channels: ['FIT101', 'P101'], stealthy: true },
  ];
  for (const a of attacks) labels.fill(1, a.startRow, a.endRow);
  let seed = 1;
  const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) - 0.5;
  const scores = new Float32Array(rows).fill(NaN);
  const errs = new Float32Array(rows * C).fill(NaN);
  for (let r = 0; r < rows; r++) {
    data[r * C] = 500 + 300 * Math.sin(r / 400) + 3 * rnd();
    data[r * C + 1] = 2.5 + 0.1 * rnd() + (r % 900 < 450 ? 0 : 1);
    data[r * C + 2] = r % 900 < 450 ? 0 : 1;
    if (r >= 31) {
      const e = [0.01 + 0.01 * Math.abs(rnd()), 0.01 + 0.01 * Math.abs(rnd()), 0.01 + 0.005 * Math.abs(rnd())];
      if (labels[r] && r >= 1550 && r < 1800) e[0] += 0.5;
      if (labels[r]) e[1] += 0.004;
      errs.set(e, r * C);
      scores[r] = (e[0] + e[1] + e[2]) / C;
    }
  }
  scores[3000] = 0.3; // one false alarm spike, which the min/max downsampling must keep
  const series: Series = { columns, data, rows, labels, timestamps: Float64Array.from({ length: rows }, (_, r) => Date.UTC(2024, 0, 1) + r * 1000) };
  const threshold = 0.05;
  const run = { name: 'lstm-ae', scores, threshold, channelErrors: errs };
  const flags = Uint8Array.from(scores, (v) => (v > threshold ? 1 : 0));
  const rules = defaultPostRules(31);
  const found = episodes({ flags, scores, channelErrors: errs.map((e) => (Number.isNaN(e) ? 0 : e)), columns, timestamps: series.timestamps }, rules);
  const records = episodeRecords(found, {
    time: (r) => formatTime(series.timestamps![r], UTC, true), stepSeconds: 1,
    events: attacks.map((a) => ({ id: a.id, start: a.startRow, end: a.endRow })),
  });
  const random = Float32Array.from({ length: rows }, () => rnd() + 0.5);
  const first = 31;
  const rep = (s: Float32Array, t: number) => evaluate(s.subarray(first), labels.subarray(first), { threshold: t, vusWindow: 100, timestamps: series.timestamps!.subarray(first) });
  return {
    title: 'Sample report',
    facts: ['3 channels, 6000 rows', 'threshold fitted on normal data'],
    series,
    channels: [{ name: 'LIT101', unit: 'mm' }, { name: 'FIT101', unit: 'm3/h' }, { name: 'P101' }],
    keyChannels: ['LIT101'],
    stepSeconds: 1,
    attacks: attackResults(attacks, [run], { columns, stepSeconds: 1 }),
    benign: [{ startRow: 5000, endRow: 5300, label: 'demand shift' }],
    runs: [{ name: run.name, scores, threshold, flags, episodes: records, postRules: rules }],
    reports: [{ name: 'lstm-ae', report: rep(scores, threshold) }, { name: 'random', report: rep(random, 0.99) }],
  };
}
