// ALAD on a tabular preset (KDD Cup 99 10%, or ODDS Arrhythmia) under both one-class protocols
// (docs/data.md, docs/models/alad.md), beside PCA and random scores on the same rows. For each
// protocol: read and split with lib/data's tabularProtocol (split seed 42, the original's), train
// with lib/pipeline's fitModel (the kind's own five-player loop, the preset's named config),
// score the test rows, and print positive-class precision, recall and F1 at the protocol's
// threshold plus AUROC and AUPR:
//   paper   threshold = a percentile of the TEST scores of each method (flag score >= it), the
//           original's rule (utils/evaluations.py: 80th for kddcup99, 85th for arrhythmia): it
//           reads the test set, so it is labelled as such, never the headline;
//   honest  threshold fitted on the normal-only validation split of each method's scores: POT
//           (lib/calibrate's default, risk 1e-4) or the validation q-quantile (--threshold quantile).
// KDD input width: vocabulary 'all' encodes with every row's categories (121 columns, the
// original's pd.get_dummies before the split); 'training' with the training rows' only (114).
// Default: all for the paper protocol, training for the honest one; the width used is printed.
// Arrhythmia is all numeric (274 inputs either way). --json writes one seed's figures for
// tools/experiments/alad_summary.ts (mean ± std over seeds).
// Usage: tsx tools/experiments/alad_tabular.ts [--preset kddcup99|arrhythmia] [--data ../shared/data/<preset>]
//          [--protocol paper|honest|both] [--epochs 100] [--seed 0] [--config kdd|arrhythmia]
//          [--vocabulary all|training] [--scale none|minmax] [--score fm] [--percentile P]
//          [--threshold pot|quantile] [--q 0.95] [--json FILE]
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';

import { loadTabularFolder } from '../../lib/data/tabular_presets';
import { samplesOf } from '../../lib/data/representation';
import { Scaler } from '../../lib/data/scaler';
import type { Series } from '../../lib/data/series';
import { scoreWindows } from '../../lib/detect/score';
import { pcaScores, randomScores } from '../../lib/eval/baselines';
import { aucPr, aucRoc } from '../../lib/eval/metrics';
import { pointMetrics } from '../../lib/eval/point';
import { quantile } from '../../lib/eval/stats';
import { applyThreshold, defaultThreshold, quantileThreshold } from '../../lib/calibrate/thresholds';
import { fitModel } from '../../lib/pipeline/fit';
import { aladKind } from '../../models/alad';
import { parseFlags } from '../cli/args';

/** Per preset: the named ALAD config and the paper protocol's test-score percentile (the original's). */
const PRESETS = {
  kddcup99: { config: 'kdd', percentile: 80 },
  arrhythmia: { config: 'arrhythmia', percentile: 85 },
} as const;
type Preset = keyof typeof PRESETS;

const FLAGS = {
  preset: { type: 'string', default: 'kddcup99', help: 'kddcup99 or arrhythmia' },
  data: { type: 'string', help: 'the preset\'s folder (default ../shared/data/<preset>)' },
  config: { type: 'string', help: 'named alad config (default: kdd for kddcup99, arrhythmia for arrhythmia)' },
  percentile: { type: 'number', help: 'paper protocol: flag test scores >= this percentile (default 80 kddcup99, 85 arrhythmia)' },
  json: { type: 'string', help: 'write this seed\'s figures (for alad_summary.ts) to this file' },
  protocol: { type: 'string', default: 'both', help: 'paper, honest or both' },
  epochs: { type: 'number', default: 100, help: 'training epochs (the paper: 100)' },
  seed: { type: 'number', default: 0, help: 'weights, shuffling and noise' },
  vocabulary: { type: 'string', help: 'all (121 inputs) or training (114); default all for paper, training for honest' },
  scale: { type: 'string', default: 'none', help: 'none (the original) or minmax (fitted on the training rows)' },
  score: { type: 'string', default: 'fm', help: 'fm, logit, l1 or l2' },
  threshold: { type: 'string', default: 'pot', help: 'honest protocol: pot or quantile (of the validation scores)' },
  q: { type: 'number', default: 0.95, help: 'the validation quantile of --threshold quantile' },
} as const;

/** Rows [from, to) of a series. */
function rowsOf(s: Series, from: number, to: number): Series {
  const C = s.columns.length;
  return { ...s, data: s.data.slice(from * C, to * C), rows: to - from, labels: s.labels?.slice(from, to) };
}

type Flags = ReturnType<typeof parseFlags<typeof FLAGS>>;
interface Line { name: string; scores: Float32Array; flags: Uint8Array }
/** One method's figures on the test rows (positive class = label 1). */
export interface MethodFigures { precision: number; recall: number; f1: number; auroc: number; aupr: number }
/** One protocol run of one seed, as --json writes it. */
export interface ProtocolFigures {
  protocol: 'paper' | 'honest';
  /** How the thresholds were set, as printed. */
  threshold: string;
  inputs: number;
  rows: { train: number; validation: number; test: number; testAnomalies: number };
  trainSeconds: number;
  methods: Record<string, MethodFigures>;
}

function report(title: string, labels: Uint8Array, lines: Line[]): Record<string, MethodFigures> {
  console.log(title);
  console.log('  method    precision  recall     F1     AUROC   AUPR');
  const out: Record<string, MethodFigures> = {};
  for (const l of lines) {
    const m = pointMetrics(l.flags, labels);
    const r = out[l.name] = { precision: m.precision, recall: m.recall, f1: m.f1, auroc: aucRoc(l.scores, labels), aupr: aucPr(l.scores, labels) };
    const f = (v: number) => v.toFixed(4).padStart(7);
    console.log(`  ${l.name.padEnd(8)} ${f(r.precision)}  ${f(r.recall)}  ${f(r.f1)}  ${f(r.auroc)}  ${f(r.aupr)}`);
  }
  return out;
}

async function run(preset: Preset, protocol: 'paper' | 'honest', f: Flags): Promise<ProtocolFigures> {
  const vocabulary = (f.vocabulary || (protocol === 'paper' ? 'all' : 'training')) as 'all' | 'training';
  const t0 = Date.now();
  const parts = await loadTabularFolder(preset, f.data ?? `../shared/data/${preset}`, { protocol, seed: 42, vocabulary });
  // The paper protocol has no validation split; fitModel still fits (unused) thresholds, on the
  // last tenth of the training rows, which the original also defined inside its training set.
  let train = parts.train, validation = parts.validation ?? rowsOf(parts.train, Math.floor(parts.train.rows * 0.9), parts.train.rows);
  let test = parts.test;
  if (f.scale === 'minmax') {
    const sc = new Scaler('minmax').fit(train);
    [train, validation, test] = [sc.transform(train), sc.transform(validation), sc.transform(test)];
  } else if (f.scale !== 'none') throw new Error(`--scale must be none or minmax, got ${f.scale}`);
  const labels = test.labels!;
  const anomalies = labels.reduce((a, v) => a + v, 0);
  console.log(`\n${preset}, ${protocol} protocol: ${train.columns.length} inputs (vocabulary ${vocabulary}), scale ${f.scale}; train ${train.rows}, ` +
    `validation ${validation.rows}${parts.validation ? '' : ' (inside train)'}, test ${test.rows} (${anomalies} label 1, ${(100 * anomalies / test.rows).toFixed(2)}%); read in ${((Date.now() - t0) / 1000).toFixed(0)} s`);

  const t1 = Date.now();
  const configName = f.config ?? PRESETS[preset].config;
  const fitted = await fitModel(aladKind, train, validation, { epochs: f.epochs, seed: f.seed, config: { preset: configName, score: f.score }, progress: false,
    onEpoch: (r) => console.log(`  epoch ${r.epoch}: ${Object.entries(r.trainTerms ?? {}).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', ')} (${r.seconds.toFixed(0)} s)`) });
  const trainSeconds = (Date.now() - t1) / 1000;
  const alad = scoreWindows(fitted.model, samplesOf({ kind: 'rows' }, test)).scores;
  const pca = pcaScores(fitted.pca!, test).scores;
  const random = randomScores(test, f.seed);
  const config = fitted.config as { batchSize: number; lr: number; latent: number };
  console.log(`  trained ${f.epochs} epochs in ${trainSeconds.toFixed(0)} s (config ${configName}: latent ${config.latent}, batch ${config.batchSize}, lr ${config.lr})`);

  let threshold: string, methods: Record<string, MethodFigures>;
  if (protocol === 'paper') {
    const pct = f.percentile ?? PRESETS[preset].percentile;
    if (!(pct > 0 && pct < 100)) throw new Error(`--percentile must be in (0, 100), got ${pct}`);
    const top = (s: Float32Array) => { const t = quantile(s, pct / 100); return Uint8Array.from(s, (v) => (v >= t ? 1 : 0)); };
    threshold = `threshold from test scores: ${pct}th percentile`;
    methods = report(`  paper protocol (${threshold})`, labels,
      [{ name: 'ALAD', scores: alad, flags: top(alad) }, { name: 'PCA', scores: pca, flags: top(pca) }, { name: 'random', scores: random, flags: top(random) }]);
  } else {
    if (f.threshold !== 'pot' && f.threshold !== 'quantile') throw new Error(`--threshold must be pot or quantile, got ${f.threshold}`);
    const fitOn = (validationScores: ArrayLike<number>) => (f.threshold === 'pot' ? defaultThreshold(validationScores) : quantileThreshold(validationScores, f.q));
    const validationAlad = scoreWindows(fitted.model, samplesOf({ kind: 'rows' }, validation)).scores;
    threshold = `thresholds fitted on the normal-only validation split, ${f.threshold === 'pot' ? 'POT' : `quantile ${f.q}`}`;
    methods = report(`  honest protocol (${threshold})`, labels, [
      { name: 'ALAD', scores: alad, flags: applyThreshold(alad, fitOn(validationAlad)) },
      { name: 'PCA', scores: pca, flags: applyThreshold(pca, fitOn(pcaScores(fitted.pca!, validation).scores)) },
      { name: 'random', scores: random, flags: applyThreshold(random, fitOn(randomScores(validation, f.seed + 1))) },
    ]);
  }
  fitted.model.dispose();
  return { protocol, threshold, inputs: train.columns.length, rows: { train: train.rows, validation: validation.rows, test: test.rows, testAnomalies: anomalies }, trainSeconds, methods };
}

async function main(): Promise<void> {
  const f = parseFlags('alad_tabular', process.argv.slice(2), FLAGS);
  if (!(f.preset in PRESETS)) throw new Error(`--preset must be ${Object.keys(PRESETS).join(' or ')}, got ${f.preset}`);
  const preset = f.preset as Preset;
  const started = new Date();
  console.log(`alad_tabular: ${started.toISOString()}, ${cpus()[0]?.model ?? 'cpu'} x${availableParallelism()}, preset ${preset}, epochs ${f.epochs}, seed ${f.seed}, score ${f.score}`);
  const protocols = f.protocol === 'both' ? ['paper', 'honest'] as const : [f.protocol as 'paper' | 'honest'];
  const results: ProtocolFigures[] = [];
  for (const p of protocols) {
    if (p !== 'paper' && p !== 'honest') throw new Error(`--protocol must be paper, honest or both, got ${p}`);
    results.push(await run(preset, p, f));
  }
  const wallSeconds = (Date.now() - started.getTime()) / 1000;
  console.log(`\nwall time ${wallSeconds.toFixed(0)} s`);
  if (f.json) writeFileSync(f.json, JSON.stringify({ preset, seed: f.seed, epochs: f.epochs, score: f.score, started: started.toISOString(), wallSeconds, results }, null, 1));
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
