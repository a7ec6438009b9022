// The default evaluation report, honest by construction: threshold-free numbers first (VUS-PR
// with its window stated, AUC-PR, AUC-ROC, VUS-ROC), then point-wise P/R/F1 at a threshold the
// caller fitted WITHOUT test labels, event-wise numbers, attribution where labels name channels,
// and point-adjusted F1 only in a section marked diagnostic. formatReport prints several scorers
// (the model, a random score, PCA) side by side.
import { hitRate, type ChannelSegment } from './attribution';
import { compositeF1, eventMetrics, pointAdjustedF1Diagnostic, type EventDetection } from './events';
import { aucPr, aucRoc } from './metrics';
import { pointMetrics, type PointMetrics } from './point';
import { checkScores } from './stats';
import { applyThreshold, thresholdCell, type Threshold } from './threshold';
import { vus } from './vus';

export interface EvaluateOptions {
  /** Fitted on training/validation data only; a bare number is recorded as method 'fixed'. */
  threshold: number | Threshold;
  /** The VUS window L (largest buffer length, see vus.ts); every report states it. */
  vusWindow: number;
  /** VUS thresholds: 'all' (exact, default) or a sampled count (TSB-AD: 250). */
  vusThresholds?: 'all' | number;
  /** Milliseconds since the epoch per step: enables delays in seconds and false alarms per day. */
  timestamps?: ArrayLike<number>;
  /** Seconds per step for data without timestamps (SMD: 60). */
  stepSeconds?: number;
  /** Per-channel errors (steps * channels) and the labelled responsible channels. */
  attribution?: { errors: ArrayLike<number>; channels: number; labelled: ChannelSegment[]; percents?: number[] };
}

export interface Report {
  steps: number;
  anomalousSteps: number;
  thresholdFree: { vusWindow: number; vusThresholds: 'all' | number; vusPr: number; aucPr: number; aucRoc: number; vusRoc: number };
  threshold: Threshold;
  point: PointMetrics;
  event: {
    compositeF1: number;
    eventRecall: number;
    events: number;
    detected: number;
    timeToDetect: { meanSteps: number | null; medianSteps: number | null; meanSeconds: number | null; medianSeconds: number | null };
    alarms: number;
    falseAlarms: number;
    falseAlarmsPerDay: number | null;
    falseAlarmsPer10kSteps: number;
    /** Where seconds come from: the timestamps, a declared step length, or nowhere. */
    timeBase: 'timestamps' | 'stepSeconds' | null;
    perEvent: EventDetection[];
  };
  attribution?: { hitRate: Record<string, number>; steps: number };
  diagnostic: { note: string; pointAdjusted: PointMetrics };
}

const DIAGNOSTIC_NOTE =
  'point adjustment counts a whole labelled event as detected when any one of its steps is flagged; ' +
  'it inflates scores (a random score can score high): for comparison with papers only, never a headline number';

export function evaluate(scores: ArrayLike<number>, labels: ArrayLike<number>, opts: EvaluateOptions): Report {
  checkScores('evaluate', scores, labels);
  const threshold: Threshold = typeof opts.threshold === 'number'
    ? { value: opts.threshold, method: 'fixed', params: {} }
    : opts.threshold;
  const flags = applyThreshold(scores, threshold);
  const time = { timestamps: opts.timestamps, stepSeconds: opts.stepSeconds };
  const ev = eventMetrics(flags, labels, time);
  const v = vus(scores, labels, { window: opts.vusWindow, thresholds: opts.vusThresholds });
  let anomalous = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i]) anomalous++;
  const a = opts.attribution;
  const report: Report = {
    steps: scores.length,
    anomalousSteps: anomalous,
    thresholdFree: {
      vusWindow: v.window, vusThresholds: v.thresholds, vusPr: v.vusPr,
      aucPr: aucPr(scores, labels), aucRoc: aucRoc(scores, labels), vusRoc: v.vusRoc,
    },
    threshold,
    point: pointMetrics(flags, labels),
    event: {
      compositeF1: compositeF1(flags, labels).f1,
      eventRecall: ev.eventRecall,
      events: ev.events,
      detected: ev.detected,
      timeToDetect: ev.timeToDetect,
      alarms: ev.alarms,
      falseAlarms: ev.falseAlarms,
      falseAlarmsPerDay: ev.falseAlarmsPerDay,
      falseAlarmsPer10kSteps: ev.falseAlarmsPer10kSteps,
      timeBase: opts.timestamps ? 'timestamps' : opts.stepSeconds ? 'stepSeconds' : null,
      perEvent: ev.perEvent,
    },
    ...(a ? { attribution: hitRate(a.errors, a.channels, a.labelled, a.percents) } : {}),
    diagnostic: { note: DIAGNOSTIC_NOTE, pointAdjusted: pointAdjustedF1Diagnostic(flags, labels) },
  };
  return report;
}

export interface NamedReport {
  name: string;
  report: Report;
}

type Cell = (r: Report) => string;

const num = (x: number | null | undefined, digits = 3): string =>
  x === null || x === undefined || Number.isNaN(x) ? '-' : x.toFixed(digits);

/**
 * Several scorers side by side. 'table': one column per scorer, sections in the report's order;
 * a scorer that does not beat a row named "random" on VUS-PR and AUC-PR is marked with '*'.
 * 'json': the reports keyed by name (NaN becomes null).
 */
export function formatReport(rows: NamedReport[], format: 'table' | 'json' = 'table'): string {
  if (format === 'json') {
    return JSON.stringify(Object.fromEntries(rows.map((r) => [r.name, r.report])), null, 2);
  }
  const windows = new Set(rows.map((r) => r.report.thresholdFree.vusWindow));
  const L = windows.size === 1 ? `L=${[...windows][0]}` : 'L per column';
  const withL = (x: number, r: Report): string => (windows.size === 1 ? num(x) : `${num(x)} (L=${r.thresholdFree.vusWindow})`);
  const random = rows.find((r) => /^random\b/i.test(r.name))?.report;
  const beatsRandom = (r: Report): boolean =>
    !random || r === random || (r.thresholdFree.vusPr > random.thresholdFree.vusPr && r.thresholdFree.aucPr > random.thresholdFree.aucPr);
  const seconds = rows.some((r) => r.report.event.timeBase !== null);
  const hitKeys = [...new Set(rows.flatMap((r) => Object.keys(r.report.attribution?.hitRate ?? {})))];

  const sections: [string, [string, Cell][]][] = [
    [`threshold-free (VUS window ${L})`, [
      ['VUS-PR', (r) => withL(r.thresholdFree.vusPr, r)],
      ['AUC-PR (average precision)', (r) => num(r.thresholdFree.aucPr)],
      ['AUC-ROC', (r) => num(r.thresholdFree.aucRoc)],
      ['VUS-ROC', (r) => withL(r.thresholdFree.vusRoc, r)],
    ]],
    ['at the threshold fitted without test labels', [
      ['threshold method', (r) => r.threshold.method],
      ['threshold', (r) => thresholdCell(r.threshold, (v) => num(v, 4))],
      ['precision', (r) => num(r.point.precision)],
      ['recall', (r) => num(r.point.recall)],
      ['F1', (r) => num(r.point.f1)],
      ['TP / FP / FN / TN', (r) => `${r.point.tp}/${r.point.fp}/${r.point.fn}/${r.point.tn}`],
    ]],
    ['event-wise', [
      ['composite F1 (point P, event R)', (r) => num(r.event.compositeF1)],
      ['event recall', (r) => `${r.event.detected}/${r.event.events} (${num(r.event.eventRecall)})`],
      ['time to detect, mean (steps)', (r) => num(r.event.timeToDetect.meanSteps, 1)],
      ['time to detect, median (steps)', (r) => num(r.event.timeToDetect.medianSteps, 1)],
      ...(seconds ? ([
        ['time to detect, mean (s)', (r) => num(r.event.timeToDetect.meanSeconds, 1)],
        ['time to detect, median (s)', (r) => num(r.event.timeToDetect.medianSeconds, 1)],
      ] as [string, Cell][]) : []),
      ['false alarms (alarm runs)', (r) => `${r.event.falseAlarms} of ${r.event.alarms}`],
      ...(seconds ? ([['false alarms per day', (r) => num(r.event.falseAlarmsPerDay, 2)]] as [string, Cell][]) : []),
      ['false alarms per 10k steps', (r) => num(r.event.falseAlarmsPer10kSteps, 2)],
    ]],
    ...(hitKeys.length ? ([['attribution (labelled channels)', hitKeys.map((k) => [`HitRate@${k}%`, (r: Report) => num(r.attribution?.hitRate[k])])]] as [string, [string, Cell][]][]) : []),
    ['DIAGNOSTIC ONLY, not a headline number', [
      ['point-adjusted F1', (r) => num(r.diagnostic.pointAdjusted.f1)],
    ]],
  ];

  const names = rows.map((r) => (beatsRandom(r.report) ? r.name : `${r.name} *`));
  const lines: string[][] = [['', ...names]];
  for (const [title, cells] of sections) {
    lines.push([title]);
    for (const [label, cell] of cells) lines.push([`  ${label}`, ...rows.map((r) => cell(r.report))]);
  }
  const width = (i: number): number => Math.max(...lines.filter((l) => l.length > 1).map((l) => (l[i] ?? '').length));
  const cols = rows.length + 1;
  const widths = Array.from({ length: cols }, (_, i) => width(i));
  const out = lines.map((l) =>
    l.length === 1 ? l[0] : l.map((c, i) => (i === 0 ? c.padEnd(widths[0]) : c.padStart(widths[i]))).join('   '));
  const first = rows[0]?.report;
  if (first) out.push('', `${first.steps} steps, ${first.anomalousSteps} labelled anomalous in ${first.event.events} events.`);
  if (names.some((n) => n.endsWith(' *'))) out.push('* does not beat the random score on both VUS-PR and AUC-PR.');
  out.push(`Diagnostic: ${DIAGNOSTIC_NOTE}.`);
  return out.join('\n');
}
