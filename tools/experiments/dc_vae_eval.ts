// The DC-VAE real-data report (the DC-VAE rows of docs/results.md): like `vigil evaluate` (alpha
// column included), plus range-based F1, pooling several labelled runs (SKAB valve1) and
// evaluating a row range of a series scored whole (BATADAL: the second half of dataset04, scored
// with the first half as context, the alphas fitted on the first half). Columns:
//   dc-vae (POT)      score max_c (|x - mu| / sigma) / errorScale_c (scoreSeries: what `vigil
//                     detect` writes), flags at the bundle's POT threshold (fitted on the same
//                     score of the training tail at `vigil train`)
//   dc-vae (alphas)   flags by the bundle's per-channel alphas; its score column is the
//                     alpha-normalised residual max_c max(r / up_c, -r / down_c) with threshold 1,
//                     which flags exactly the alpha rule
//   random, PCA       as `vigil evaluate`
// and range-based P/R/F1 (Tatbul et al., flat bias, cardinality one, alpha 0) of every column's flags.
// Usage: tsx tools/experiments/dc_vae_eval.ts --model M.vigil <data flags> [--parts valve1]
//          [--eval-rows 50%:] [--step-seconds S] [--json out.json]
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { loadPreset, type PresetName } from '../../lib/data/presets';
import { Scaler } from '../../lib/data/scaler';
import type { Series } from '../../lib/data/series';
import { alphaScores, alphasFromJSON, type AlphasJSON } from '../../lib/calibrate/alpha';
import { pcaScores, randomScores } from '../../lib/eval/baselines';
import { rangeMetrics } from '../../lib/eval/range_pr';
import { evaluate, formatReport, type NamedReport } from '../../lib/eval/report';
import { applyThreshold, type Threshold } from '../../lib/calibrate/thresholds';
import '../../models'; // registers the model kinds
import { loadDetector, pcaFromJSON } from '../../lib/detect/detector_bundle';
import { parseFlags } from '../cli/args';
import { gaussianRowsOf } from '../../lib/pipeline/gaussian_scores';
import { scoreSeries } from '../../lib/pipeline/score';
import { DATA_FLAGS, loadSeries, rowBounds } from '../cli/data_args';

const FLAGS = {
  model: { type: 'string', help: 'the bundle' },
  ...DATA_FLAGS,
  parts: { type: 'string', help: 'skab: the run folder whose files are pooled (e.g. valve1)' },
  'eval-rows': { type: 'string', help: 'evaluate rows START:END of the (whole, scored) series' },
  'vus-window': { type: 'number', default: 100, help: 'VUS window' },
  'step-seconds': { type: 'number', help: 'seconds per row without timestamps' },
  seed: { type: 'number', default: 0, help: 'random baseline seed' },
  json: { type: 'string', help: 'also write the reports as JSON here' },
} as const;

interface Scored {
  labels: Uint8Array;
  times: Float64Array | null;
  model: Float32Array;
  alpha: Float32Array | null;
  pca: Float32Array;
  random: Float32Array;
}

async function main(): Promise<void> {
  const f = parseFlags('dc_vae_eval', process.argv.slice(2), FLAGS);
  const det = loadDetector(f.model!);
  const alphaJson = (det.info as unknown as { alpha?: AlphasJSON }).alpha;
  const alphas = alphaJson ? alphasFromJSON(alphaJson) : null;
  let parts: Series[];
  if (f.parts) {
    const d = await loadPreset(f.preset as PresetName, f.data!, {});
    parts = (d.parts ?? []).filter((s) => s.source?.includes(join(f.parts!, '')));
  } else parts = [await loadSeries(f, 'test')];
  if (!parts.length) throw new Error('no data');

  const pooled: Scored[] = parts.map((series, k) => {
    const { rows: g, first } = gaussianRowsOf(det, series) ?? fail(`${det.kind} predicts no per-channel Gaussians`);
    // The model's score as `vigil detect` writes it and the POT threshold was fitted on (the error scale applied).
    const model = scoreSeries(det, series).scores.subarray(first);
    const alpha = alphas ? alphaScores(g, alphas) : null;
    const scaled = Scaler.fromJSON(det.info.scaler).transform(series);
    let [b, e] = [first, series.rows];
    if (f['eval-rows']) {
      const [eb, ee] = rowBounds(series.rows, f['eval-rows']);
      [b, e] = [Math.max(eb, first), ee];
    }
    const cut = (x: Float32Array, offset: number) => x.slice(b - offset, e - offset);
    return {
      labels: series.labels!.slice(b, e),
      times: series.timestamps ? series.timestamps.slice(b, e) : null,
      model: cut(model, first),
      alpha: alpha ? cut(alpha, first) : null,
      pca: cut(pcaScores(pcaFromJSON(det.info.pca!), scaled).scores, 0),
      random: cut(randomScores(series, f.seed + k), 0),
    };
  });
  const cat = (get: (s: Scored) => ArrayLike<number>, T: typeof Float32Array | typeof Uint8Array | typeof Float64Array) => {
    const n = pooled.reduce((a, s) => a + get(s).length, 0);
    const out = new T(n);
    let at = 0;
    for (const s of pooled) {
      out.set(get(s), at);
      at += get(s).length;
    }
    return out;
  };
  const labels = cat((s) => s.labels, Uint8Array) as Uint8Array;
  // Time only for a single series (pooled runs are not one time line).
  const timestamps = pooled.length === 1 && pooled[0].times ? pooled[0].times : undefined;
  const columns: { name: string; scores: Float32Array; threshold: Threshold }[] = [
    { name: 'dc-vae (POT)', scores: cat((s) => s.model, Float32Array) as Float32Array, threshold: det.info.threshold },
  ];
  if (alphas) columns.push({ name: 'dc-vae (alphas)', scores: cat((s) => s.alpha!, Float32Array) as Float32Array, threshold: { value: 1, method: 'fixed', params: { note: `alphas: ${alphas.method}` } } });
  columns.push({ name: 'random', scores: cat((s) => s.random, Float32Array) as Float32Array, threshold: { value: 0.99, method: 'fixed', params: {} } });
  columns.push({ name: 'PCA', scores: cat((s) => s.pca, Float32Array) as Float32Array, threshold: det.info.pcaThreshold! });

  const reports: NamedReport[] = columns.map((c) => ({
    name: c.name,
    report: evaluate(c.scores, labels, { threshold: c.threshold, vusWindow: f['vus-window'], timestamps, stepSeconds: f['step-seconds'] }),
  }));
  const range = columns.map((c) => ({ name: c.name, ...rangeMetrics(labels, applyThreshold(c.scores, c.threshold)) }));
  console.log(`dc_vae_eval: ${labels.length} rows from ${parts.length} series, ${labels.reduce((a, v) => a + v, 0)} labelled anomalous`);
  console.log(formatReport(reports, 'table'));
  console.log('range-based (Tatbul et al.; flat bias, cardinality one, alpha 0) of the flags:');
  for (const r of range) console.log(`  ${r.name.padEnd(18)} precision ${r.precision.toFixed(3)}  recall ${r.recall.toFixed(3)}  F1 ${r.f1.toFixed(3)}`);
  if (f.json) writeFileSync(f.json, JSON.stringify({ reports: Object.fromEntries(reports.map((r) => [r.name, r.report])), range }, null, 1));
  det.model.dispose();
}

main().catch((e) => {
  console.error(`dc_vae_eval: ${(e as Error).message}`);
  process.exit(1);
});

function fail(msg: string): never {
  throw new Error(msg);
}
