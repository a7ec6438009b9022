// The HTML report of a detection run: the evaluation table (model vs random vs PCA), the
// per-attack table, every scorer's anomaly score with its threshold, and the key channels of
// the series, all with the attack spans shaded. One self-contained index.html.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

import type { Series } from '../../lib/data/series';
import type { NamedReport } from '../../lib/eval/report';
import { writeFileAtomic } from '../../lib/io/atomic';
import type { AttackResult, ScoredRun } from './attacks';
import { esc, page, type Section } from './html';
import { hourTicks, linePlot, type Span } from './svg';
import { attackTable, evaluationTable } from './tables';

export { attackResults, missedAttacks, type AttackResult, type AttackSpan, type ScoredRun } from './attacks';

export interface ReportInput {
  title: string;
  /** Plain-text facts shown under the title (data, models, sizes, how thresholds were fitted). */
  facts: string[];
  /** The scored series in its own units (not scaled). */
  series: Series;
  /** Channels to plot (a few key ones), with their units. */
  plotChannels: { name: string; unit?: string }[];
  stepSeconds: number;
  attacks: AttackResult[];
  /** Labelled non-anomalies worth seeing (e.g. a benign demand shift): shaded in a second colour. */
  benign?: { startRow: number; endRow: number; label: string }[];
  /** Scorers whose score is plotted with its threshold (per row, NaN before the first window). */
  runs: ScoredRun[];
  reports: NamedReport[];
  footer?: string;
}

const COLORS = ['#1f5fa8', '#6a3d9a', '#2a7f62', '#b15928', '#555'];

function timeLabel(series: Series, stepSeconds: number): (row: number) => string {
  const t = series.timestamps;
  if (t && t.length) {
    return (row) => {
      const ms = row < t.length ? t[row] : t[t.length - 1] + (row - t.length + 1) * stepSeconds * 1000;
      return new Date(ms).toISOString().slice(5, 16).replace('T', ' ');
    };
  }
  return (row) => `${((row * stepSeconds) / 3600).toFixed(1)} h`;
}

/** "a1-spoof-LIT101-low" -> "a1": span labels must fit over short spans. */
const shortLabel = (id: string): string => id.split(/[-\s]/)[0];

function spansOf(input: ReportInput): Span[] {
  return [
    ...input.attacks.map((a) => ({ start: a.startRow, end: a.endRow, label: shortLabel(a.id), title: a.id, tone: a.stealthy ? 'stealthy' as const : 'attack' as const })),
    ...(input.benign ?? []).map((b) => ({ start: b.startRow, end: b.endRow, label: shortLabel(b.label), title: b.label, tone: 'benign' as const })),
  ];
}

function column(series: Series, name: string): Float32Array {
  const c = series.columns.indexOf(name);
  if (c < 0) throw new Error(`report: no channel "${name}" in the series (${series.columns.join(', ')})`);
  const C = series.columns.length;
  return Float32Array.from({ length: series.rows }, (_, r) => series.data[r * C + c]);
}

export function renderReport(input: ReportInput): string {
  const ticks = hourTicks(input.series.rows, input.stepSeconds, timeLabel(input.series, input.stepSeconds));
  const spans = spansOf(input);
  const legend = `<p class="legend"><span><i style="background:rgba(232,71,79,.3)"></i>attack</span><span><i style="background:rgba(232,155,47,.4)"></i>stealthy attack</span><span><i style="background:rgba(125,138,150,.3)"></i>benign change (not an anomaly)</span><span><i style="border-top:2px dashed #a3222a;height:0"></i>threshold</span><span><i style="background:#d0202a;height:8px;width:3px"></i>alarm</span></p>`;
  const scorePlots = input.runs.map((r, i) => linePlot({
    title: `${r.name}: anomaly score (log scale)`, values: r.scores, color: COLORS[i % COLORS.length], spans, logY: true, xTicks: ticks, height: 150,
    threshold: { value: r.threshold, label: `threshold ${r.threshold.toPrecision(3)}` },
  })).join('\n');
  const seriesPlots = input.plotChannels.map((ch) => linePlot({
    title: ch.unit ? `${ch.name} (${ch.unit})` : ch.name, values: column(input.series, ch.name), color: '#33414e', spans, xTicks: ticks, height: 105,
  })).join('\n');
  const missed = input.attacks.filter((a) => !a.detected);
  const sections: Section[] = [
    {
      id: 'evaluation', title: 'Evaluation',
      html: `<p class="lead">Threshold-free numbers first; the threshold of every scorer was fitted on normal data only (never on these labels). Point-adjusted F1 is shown only as a diagnostic: it inflates scores (a random score can reach a high value).</p>\n${evaluationTable(input.reports)}`,
    },
    {
      id: 'attacks', title: 'Attacks',
      html: `<p class="lead">${input.attacks.length - missed.length} of ${input.attacks.length} attacks detected by at least one model${missed.length ? `; missed: ${esc(missed.map((a) => a.id).join(', '))}` : ''}.</p>\n${attackTable(input.attacks, input.stepSeconds)}`,
    },
    { id: 'scores', title: 'Anomaly scores', html: legend + scorePlots },
    { id: 'series', title: 'Plant series', html: legend + seriesPlots },
  ];
  const intro = `<ul class="facts">${input.facts.map((f) => `<li>${esc(f)}</li>`).join('')}</ul>`;
  return page(input.title, intro, sections, esc(input.footer ?? 'Written by vigil. Self-contained: no scripts, no external resources.'));
}

/** Writes DIR/index.html and returns its absolute path. */
export function writeReport(dir: string, input: ReportInput): string {
  mkdirSync(dir, { recursive: true });
  const path = resolve(join(dir, 'index.html'));
  writeFileAtomic(path, renderReport(input));
  return path;
}
