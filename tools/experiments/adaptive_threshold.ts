// How many rows a bundle's stored threshold flags on new data, against the true anomaly share,
// and the same with the Detector's adaptive thresholds (docs/detector.md "Thresholds that adapt
// to new data"): the warm-up refit and DSPOT with either drift rule. Labels only count; nothing is
// fitted on them. Each series (a file's test part, or each run of --parts pooled) is scored on
// its own; fractions are over the rows after the warm-up (the rows whose flags differ), and the
// warm-up's own anomaly share is printed, since the warm-up assumes it is normal.
// Usage: tsx tools/experiments/adaptive_threshold.ts --model M.vigil --preset smd --data ../shared/data/smd
//          --machine machine-1-6 [--warmup 720] [--depth 60] [--parts valve1] [--json out.json]
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import '../../models'; // registers the model kinds
import { loadPreset, type PresetName } from '../../lib/data/presets';
import type { Series } from '../../lib/data/series';
import { Detector, type AdaptiveThresholdOptions } from '../../lib/detect/detector';
import { loadDetector } from '../../lib/detect/detector_bundle';
import { parseFlags } from '../cli/args';
import { DATA_FLAGS } from '../cli/data_args';

const FLAGS = {
  model: { type: 'string', help: 'the bundle (its threshold rule is used: rule threshold)' },
  ...DATA_FLAGS,
  parts: { type: 'string', help: 'score each run under this folder on its own (e.g. valve1), pooled' },
  warmup: { type: 'number', default: 720, help: 'warm-up decisions (SMD: 1 row a minute, 720 = 12 h)' },
  depth: { type: 'number', default: 60, help: "DSPOT's moving-average depth" },
  json: { type: 'string', help: 'also write the figures as JSON here' },
} as const;

interface Tally { rows: number; flagged: number; anomalous: number; truePositives: number; warmupRows: number; warmupAnomalous: number; warmupFlagged: number }

async function main(): Promise<void> {
  const f = parseFlags('adaptive_threshold', process.argv.slice(2), FLAGS);
  const d = await loadPreset(f.preset as PresetName, f.data!, { machine: f.machine });
  const runs: Series[] = f.parts ? (d.parts ?? []).filter((s) => s.source?.includes(join(f.parts!, ''))) : [d.test ?? d.series!];
  if (!runs.length || !runs.every((s) => s?.labels)) throw new Error('no labelled series to judge (--parts names a run folder; a file needs labels)');
  const det = await Detector.create(loadDetector(f.model!), { rule: 'threshold' }, true);
  const W = f.warmup;
  const configs: Record<string, AdaptiveThresholdOptions | undefined> = {
    'stored threshold': undefined,
    'warm-up refit': { method: 'warmup', warmup: W },
    'DSPOT, drift normal': { method: 'dspot', warmup: W, depth: f.depth, drift: 'normal' },
    'DSPOT, drift all': { method: 'dspot', warmup: W, depth: f.depth, drift: 'all' },
  };
  const out: Record<string, Tally & { flaggedFraction: number; anomalyFraction: number; precision: number; recall: number }> = {};
  try {
    for (const [name, adaptiveThreshold] of Object.entries(configs)) {
      const t: Tally = { rows: 0, flagged: 0, anomalous: 0, truePositives: 0, warmupRows: 0, warmupAnomalous: 0, warmupFlagged: 0 };
      for (const s of runs) {
        const { flags } = await det.scoreSeries(s, { adaptiveThreshold });
        const judged = det.window - 1 + W; // the first row after the warm-up
        for (let r = det.window - 1; r < s.rows; r++) {
          const y = s.labels![r];
          if (r < judged) {
            t.warmupRows++;
            t.warmupAnomalous += y;
            t.warmupFlagged += flags[r];
            continue;
          }
          t.rows++;
          t.flagged += flags[r];
          t.anomalous += y;
          t.truePositives += flags[r] & y;
        }
      }
      out[name] = { ...t, flaggedFraction: t.flagged / t.rows, anomalyFraction: t.anomalous / t.rows, precision: t.truePositives / t.flagged, recall: t.truePositives / t.anomalous };
    }
  } finally {
    await det.dispose();
  }
  const first = Object.values(out)[0];
  console.log(`${runs.length} series; warm-up ${W} decisions each (${first.warmupRows} rows, ${(100 * first.warmupAnomalous / first.warmupRows).toFixed(1)}% of them anomalous, ${(100 * first.warmupFlagged / first.warmupRows).toFixed(1)}% flagged by the stored threshold); judged ${first.rows} rows after it, ${(100 * first.anomalyFraction).toFixed(1)}% anomalous; bundle threshold ${det.threshold.method} ${det.threshold.value.toPrecision(5)}`);
  console.log('| threshold | flagged | true anomalies | precision | recall |\n|---|---|---|---|---|');
  const pct = (v: number) => (Number.isFinite(v) ? `${(100 * v).toFixed(1)}%` : '-');
  for (const [name, v] of Object.entries(out)) console.log(`| ${name} | ${pct(v.flaggedFraction)} | ${pct(v.anomalyFraction)} | ${pct(v.precision)} | ${pct(v.recall)} |`);
  if (f.json) writeFileSync(f.json, JSON.stringify({ model: f.model, data: f.data, machine: f.machine, parts: f.parts, warmup: W, depth: f.depth, results: out }, null, 2));
}

main().catch((e) => {
  console.error((e as Error).message);
  process.exit(1);
});
