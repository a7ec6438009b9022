// `vigil evaluate` for a model of any kind over several labelled runs pooled (SKAB valve1: each
// run scored on its own, from the model's first full sample, then concatenated), beside the
// random score (seed + run index) and the bundle's PCA baseline on the same rows, every column at
// the threshold fitted at training (no test labels). dc_vae_eval.ts does this for DC-VAE only
// (its POT/alphas columns and range F1); this one uses the model's own scores (scoreSeries).
// Usage: tsx tools/experiments/pooled_eval.ts --model M.vigil --preset skab --data ../shared/data/skab
//          --parts valve1 [--json out.json]
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { loadPreset, type PresetName } from '../../lib/data/presets';
import { Scaler } from '../../lib/data/scaler';
import { pcaScores, randomScores } from '../../lib/eval/baselines';
import { evaluate, formatReport, type NamedReport } from '../../lib/eval/report';
import type { Threshold } from '../../lib/calibrate/thresholds';
import '../../models'; // registers the model kinds
import { loadDetector, pcaFromJSON } from '../../lib/detect/detector_bundle';
import { scoreSeries } from '../../lib/pipeline/score';
import { parseFlags } from '../cli/args';
import { DATA_FLAGS } from '../cli/data_args';

const FLAGS = {
  model: { type: 'string', help: 'the bundle' },
  ...DATA_FLAGS,
  parts: { type: 'string', help: 'the run folder whose files are pooled (e.g. valve1)' },
  'vus-window': { type: 'number', default: 100, help: 'VUS window' },
  seed: { type: 'number', default: 0, help: 'random baseline seed' },
  json: { type: 'string', help: 'also write the reports as JSON here' },
} as const;

async function main(): Promise<void> {
  const f = parseFlags('pooled_eval', process.argv.slice(2), FLAGS);
  const det = loadDetector(f.model!);
  const d = await loadPreset(f.preset as PresetName, f.data!, {});
  const parts = (d.parts ?? []).filter((s) => s.source?.includes(join(f.parts!, '')));
  if (!parts.length) throw new Error(`no runs under ${f.parts}`);
  const cols: Record<string, number[]> = { model: [], random: [], pca: [] };
  const labels: number[] = [];
  parts.forEach((series, k) => {
    const s = scoreSeries(det, series).scores;
    let first = 0;
    while (first < s.length && Number.isNaN(s[first])) first++;
    const pca = pcaScores(pcaFromJSON(det.info.pca!), Scaler.fromJSON(det.info.scaler).transform(series)).scores;
    const rnd = randomScores(series, f.seed + k);
    for (let i = first; i < series.rows; i++) {
      cols.model.push(s[i]);
      cols.random.push(rnd[i]);
      cols.pca.push(pca[i]);
      labels.push(series.labels![i]);
    }
  });
  const y = Uint8Array.from(labels);
  const columns: { name: string; scores: number[]; threshold: Threshold }[] = [
    { name: `${det.kind} (POT)`, scores: cols.model, threshold: det.info.threshold },
    { name: 'random', scores: cols.random, threshold: { value: 0.99, method: 'fixed', params: {} } },
    { name: 'PCA', scores: cols.pca, threshold: det.info.pcaThreshold! },
  ];
  const reports: NamedReport[] = columns.map((c) => ({
    name: c.name,
    report: evaluate(Float32Array.from(c.scores), y, { threshold: c.threshold, vusWindow: f['vus-window'] }),
  }));
  console.log(`pooled_eval: ${y.length} rows from ${parts.length} series, ${labels.reduce((a, v) => a + v, 0)} labelled anomalous`);
  console.log(formatReport(reports, 'table'));
  if (f.json) writeFileSync(f.json, JSON.stringify({ reports: Object.fromEntries(reports.map((r) => [r.name, r.report])) }, null, 1));
  det.model.dispose();
}

main().catch((e) => {
  console.error(`pooled_eval: ${(e as Error).message}`);
  process.exit(1);
});
