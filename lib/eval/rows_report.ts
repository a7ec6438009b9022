// The report for tabular rows: independent records with no time order, so no VUS, events or
// point adjustment. Threshold-free AUROC and AUPR (average precision) first, then precision,
// recall and F1 of the positive class (label 1) at the given threshold. The title says where the
// thresholds came from (the paper protocol's come from the test scores; formatRowsReport prints
// it above the table). Several scorers (the model, random, PCA) side by side.
import { aucPr, aucRoc } from './metrics';
import { pointMetrics, type PointMetrics } from './point';
import { checkScores } from './stats';
import { applyThreshold, thresholdCell, type Threshold } from './threshold';

export interface RowsReport {
  rows: number;
  /** Rows labelled 1 (the positive class). */
  positives: number;
  aucRoc: number;
  aucPr: number;
  threshold: Threshold;
  /** Positive-class precision, recall, F1 and the confusion counts. */
  point: PointMetrics;
}

export interface NamedRowsReport {
  name: string;
  report: RowsReport;
}

/** Flags of a threshold: applyThreshold's, or score >= value when params.inclusive (the ALAD paper's rule). */
export function rowFlags(scores: ArrayLike<number>, t: Threshold): Uint8Array {
  const v = t.value;
  return t.params.inclusive ? Uint8Array.from(scores, (s) => (s >= v ? 1 : 0)) : applyThreshold(scores, t);
}

export function evaluateRows(scores: ArrayLike<number>, labels: ArrayLike<number>, threshold: Threshold): RowsReport {
  checkScores('evaluateRows', scores, labels);
  let positives = 0;
  for (let i = 0; i < labels.length; i++) positives += labels[i] ? 1 : 0;
  return { rows: scores.length, positives, aucRoc: aucRoc(scores, labels), aucPr: aucPr(scores, labels), threshold, point: pointMetrics(rowFlags(scores, threshold), labels) };
}

const num = (x: number, digits = 4): string => (Number.isNaN(x) ? '-' : x.toFixed(digits));

/** 'table': the title, then one column per scorer; 'json': { title, reports by name }. */
export function formatRowsReport(title: string, rows: NamedRowsReport[], format: 'table' | 'json' = 'table'): string {
  if (format === 'json') return JSON.stringify({ protocol: title, ...Object.fromEntries(rows.map((r) => [r.name, r.report])) }, null, 2);
  const cells: [string, (r: RowsReport) => string][] = [
    ['AUROC', (r) => num(r.aucRoc)],
    ['AUPR (average precision)', (r) => num(r.aucPr)],
    ['threshold method', (r) => r.threshold.method],
    ['threshold', (r) => thresholdCell(r.threshold, num)],
    ['precision (label 1)', (r) => num(r.point.precision)],
    ['recall (label 1)', (r) => num(r.point.recall)],
    ['F1 (label 1)', (r) => num(r.point.f1)],
    ['TP / FP / FN / TN', (r) => `${r.point.tp}/${r.point.fp}/${r.point.fn}/${r.point.tn}`],
  ];
  const lines: string[][] = [['', ...rows.map((r) => r.name)], ...cells.map(([label, cell]) => [`  ${label}`, ...rows.map((r) => cell(r.report))])];
  const widths = lines[0].map((_, i) => Math.max(...lines.map((l) => l[i].length)));
  const out = [title, ...lines.map((l) => l.map((c, i) => (i === 0 ? c.padEnd(widths[0]) : c.padStart(widths[i]))).join('   '))];
  const first = rows[0]?.report;
  if (first) out.push('', `${first.rows} rows, ${first.positives} labelled 1 (${((100 * first.positives) / first.rows).toFixed(2)}%); rows have no time order: no VUS or event metrics.`);
  return out.join('\n');
}
