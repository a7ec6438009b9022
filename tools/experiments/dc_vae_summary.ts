// Markdown tables of the DC-VAE real-data reports (tools/experiments/dc_vae_real.sh), one run
// directory per seed: mean ± std over the seeds (population std), a single value for one seed.
// Usage: tsx tools/experiments/dc_vae_summary.ts DIR [DIR...]
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const RUNS = ['skab', 'smd-machine-1-6', 'smd-machine-2-1', 'smd-machine-3-4', 'batadal'];
const dirs = process.argv.slice(2);
if (!dirs.length) {
  console.error('usage: dc_vae_summary.ts DIR [DIR...]');
  process.exit(2);
}

type Rep = { reports: Record<string, any>; range: { name: string; f1: number }[] };
const load = (dir: string, run: string): Rep | null => {
  const p = join(dir, `${run}-report.json`);
  return existsSync(p) ? JSON.parse(readFileSync(p, 'utf8')) : null;
};

function cell(values: number[]): string {
  if (!values.length) return '-';
  const m = values.reduce((a, b) => a + b, 0) / values.length;
  if (values.length === 1) return m.toFixed(3);
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - m) ** 2, 0) / values.length);
  return `${m.toFixed(3)} ± ${sd.toFixed(3)}`;
}

const columns: [string, (r: Rep) => number | undefined][] = [
  ['VUS-PR', (r) => r.reports['dc-vae (POT)'].thresholdFree.vusPr],
  ['AUC-PR', (r) => r.reports['dc-vae (POT)'].thresholdFree.aucPr],
  ['AUC-ROC', (r) => r.reports['dc-vae (POT)'].thresholdFree.aucRoc],
  ['F1 at POT', (r) => r.reports['dc-vae (POT)'].point.f1],
  ['F1 with alphas', (r) => r.reports['dc-vae (alphas)']?.point.f1],
  ['range F1 with alphas', (r) => r.range.find((x) => x.name === 'dc-vae (alphas)')?.f1],
  ['share of rows flagged with alphas', (r) => {
    const p = r.reports['dc-vae (alphas)']?.point;
    return p ? (p.tp + p.fp) / (p.tp + p.fp + p.fn + p.tn) : undefined;
  }],
  ['event recall with alphas', (r) => r.reports['dc-vae (alphas)']?.event.eventRecall],
  ['false alarms / 10k steps with alphas', (r) => r.reports['dc-vae (alphas)']?.event.falseAlarmsPer10kSteps],
];
const baselines: [string, string][] = [['PCA', 'PCA'], ['random', 'random']];

console.log(`DC-VAE over ${dirs.length} seed(s): ${dirs.join(', ')}\n`);
console.log(`| data | ${columns.map((c) => c[0]).join(' | ')} |`);
console.log(`|---|${columns.map(() => '---').join('|')}|`);
for (const run of RUNS) {
  const reps = dirs.map((d) => load(d, run)).filter((r): r is Rep => r !== null);
  if (!reps.length) continue;
  const vals = columns.map(([, get]) => cell(reps.map(get).filter((v): v is number => typeof v === 'number' && Number.isFinite(v))));
  console.log(`| ${run} | ${vals.join(' | ')} |`);
}
console.log('\nBaselines on the same rows (PCA fitted on the same training rows; its threshold by POT like the model\'s):\n');
console.log('| data | scorer | VUS-PR | AUC-PR | AUC-ROC | F1 at its threshold | range F1 |');
console.log('|---|---|---|---|---|---|---|');
for (const run of RUNS) {
  const r = load(dirs[0], run);
  if (!r) continue;
  for (const [label, key] of baselines) {
    const b = r.reports[key];
    const rf = r.range.find((x) => x.name === key)?.f1;
    console.log(`| ${run} | ${label} | ${b.thresholdFree.vusPr.toFixed(3)} | ${b.thresholdFree.aucPr.toFixed(3)} | ${b.thresholdFree.aucRoc.toFixed(3)} | ${b.point.f1.toFixed(3)} | ${rf?.toFixed(3) ?? '-'} |`);
  }
}
