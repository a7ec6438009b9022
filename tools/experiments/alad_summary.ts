// Markdown table of alad_tabular.ts runs (one --json file per seed): per protocol and method,
// positive-class precision, recall, F1, AUROC and AUPR as mean ± std over the seeds (population
// std, lib/eval/stats), with the seeds, epochs, rows and wall times the files record. Files of
// different presets, epochs or row counts are refused: their figures do not average.
// Usage: tsx tools/experiments/alad_summary.ts seed0.json seed1.json ...
import { readFileSync } from 'node:fs';

import { mean, std } from '../../lib/eval/stats';
import type { MethodFigures, ProtocolFigures } from './alad_tabular';

interface Run { preset: string; seed: number; epochs: number; score: string; wallSeconds: number; results: ProtocolFigures[] }

const COLUMNS: (keyof MethodFigures)[] = ['precision', 'recall', 'f1', 'auroc', 'aupr'];

const cell = (v: number[]) => (v.length > 1 ? `${mean(v).toFixed(3)} ± ${std(v).toFixed(3)}` : v[0].toFixed(3));

export function summarise(runs: Run[]): string {
  if (!runs.length) throw new Error('alad_summary: give at least one --json file of alad_tabular.ts');
  const first = runs[0];
  const same = (r: Run) => r.preset === first.preset && r.epochs === first.epochs && r.score === first.score;
  const odd = runs.find((r) => !same(r));
  if (odd) throw new Error(`alad_summary: seed ${odd.seed} is ${odd.preset}/${odd.epochs} epochs/${odd.score}, seed ${first.seed} ${first.preset}/${first.epochs} epochs/${first.score}`);
  const lines = [
    `${first.preset}, ${first.epochs} epochs, score ${first.score}, seeds ${runs.map((r) => r.seed).join(', ')}; ` +
      `wall time per seed (both protocols) ${mean(runs.map((r) => r.wallSeconds)).toFixed(0)} s mean, ${Math.max(...runs.map((r) => r.wallSeconds)).toFixed(0)} s max`,
    '',
    '| protocol | method | P | R | F1 | AUROC | AUPR |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const protocol of ['paper', 'honest'] as const) {
    const per = runs.map((r) => r.results.find((p) => p.protocol === protocol)).filter((p): p is ProtocolFigures => !!p);
    if (!per.length) continue;
    if (per.length !== runs.length) throw new Error(`alad_summary: ${protocol} protocol missing from ${runs.length - per.length} of the files`);
    const rows = JSON.stringify(per[0].rows);
    if (per.some((p) => JSON.stringify(p.rows) !== rows)) throw new Error(`alad_summary: ${protocol} protocol on different rows across the files`);
    const r = per[0].rows;
    const title = `${protocol} protocol (${per[0].threshold}); ${per[0].inputs} inputs, train ${r.train}, test ${r.test} (${r.testAnomalies} label 1)`;
    Object.keys(per[0].methods).forEach((method, i) => {
      const cells = COLUMNS.map((c) => cell(per.map((p) => p.methods[method][c])));
      lines.push(`| ${i === 0 ? title : ''} | ${method} | ${cells.join(' | ')} |`);
    });
  }
  return lines.join('\n');
}

if (require.main === module) {
  try {
    console.log(summarise(process.argv.slice(2).map((p) => JSON.parse(readFileSync(p, 'utf8')) as Run)));
  } catch (e) {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  }
}
