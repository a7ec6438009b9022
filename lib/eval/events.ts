// Event-wise metrics: an event is a maximal run of labelled steps, an alarm a maximal run of
// flagged steps. Event recall and time to detect say whether and how fast each labelled event
// was caught; false alarms are alarm runs that touch no event.
import { confusionMatrix, f1Of, scoresFromConfusion, type PointMetrics } from './point';
import { mean, median } from './stats';

/** Steps [start, end) (end exclusive). */
export interface Segment {
  start: number;
  end: number;
}

/** Maximal runs of non-zero values, in order. */
export function segments(values: ArrayLike<number>): Segment[] {
  const out: Segment[] = [];
  for (let i = 0; i < values.length; ) {
    if (!values[i]) {
      i++;
      continue;
    }
    const start = i;
    while (i < values.length && values[i]) i++;
    out.push({ start, end: i });
  }
  return out;
}

export interface EventDetection extends Segment {
  /** First flagged step inside the event, or null when the event was missed. */
  detectedAt: number | null;
  /** detectedAt - start, in steps. */
  delaySteps: number | null;
  /** The same delay in seconds, when timestamps or a step length were given. */
  delaySeconds: number | null;
}

export interface EventMetrics {
  events: number;
  detected: number;
  /** detected / events (NaN without events). */
  eventRecall: number;
  perEvent: EventDetection[];
  /** Over detected events only. Seconds are null without timestamps or stepSeconds. */
  timeToDetect: { meanSteps: number | null; medianSteps: number | null; meanSeconds: number | null; medianSeconds: number | null };
  /** Maximal runs of flagged steps. */
  alarms: number;
  /** Alarm runs that overlap no labelled event. */
  falseAlarms: number;
  /** falseAlarms per 24 h of covered time; null without timestamps or stepSeconds. */
  falseAlarmsPerDay: number | null;
  /** falseAlarms per 10,000 steps (always defined). */
  falseAlarmsPer10kSteps: number;
  /** Time the series covers, the denominator of falseAlarmsPerDay. */
  coveredSeconds: number | null;
}

export interface TimeBase {
  /** Milliseconds since the epoch per step (Series.timestamps). */
  timestamps?: ArrayLike<number>;
  /** Seconds per step, for data without a timestamp column (SMD: 60). Ignored with timestamps. */
  stepSeconds?: number;
}

/**
 * Time the series covers: with timestamps, last - first plus one median step (so n steps cover
 * n step lengths, as with stepSeconds); with stepSeconds, n * stepSeconds.
 */
export function coveredSeconds(n: number, time: TimeBase): number | null {
  const t = time.timestamps;
  if (t) {
    if (t.length !== n) throw new Error(`eventMetrics: ${t.length} timestamps for ${n} steps`);
    if (n < 2) return null;
    const dt = new Float64Array(n - 1);
    for (let i = 1; i < n; i++) dt[i - 1] = t[i] - t[i - 1];
    return (t[n - 1] - t[0] + median(dt)) / 1000;
  }
  return time.stepSeconds ? n * time.stepSeconds : null;
}

function delaySeconds(start: number, at: number, time: TimeBase): number | null {
  if (time.timestamps) return (time.timestamps[at] - time.timestamps[start]) / 1000;
  return time.stepSeconds ? (at - start) * time.stepSeconds : null;
}

/** Event recall, time to detect per event, and false alarms (see EventMetrics). */
export function eventMetrics(flags: ArrayLike<number>, labels: ArrayLike<number>, time: TimeBase = {}): EventMetrics {
  if (flags.length !== labels.length) {
    throw new Error(`eventMetrics: flags have ${flags.length} steps but labels have ${labels.length}`);
  }
  const n = flags.length;
  const perEvent: EventDetection[] = segments(labels).map(({ start, end }) => {
    let at = start;
    while (at < end && !flags[at]) at++;
    if (at === end) return { start, end, detectedAt: null, delaySteps: null, delaySeconds: null };
    return { start, end, detectedAt: at, delaySteps: at - start, delaySeconds: delaySeconds(start, at, time) };
  });
  const hit = perEvent.filter((e) => e.detectedAt !== null);
  const steps = hit.map((e) => e.delaySteps as number);
  const secs = hit.map((e) => e.delaySeconds).filter((s): s is number => s !== null);
  const alarmRuns = segments(flags);
  let falseAlarms = 0;
  for (const a of alarmRuns) {
    let touches = false;
    for (let i = a.start; i < a.end && !touches; i++) touches = !!labels[i];
    if (!touches) falseAlarms++;
  }
  const covered = coveredSeconds(n, time);
  return {
    events: perEvent.length,
    detected: hit.length,
    eventRecall: perEvent.length ? hit.length / perEvent.length : NaN,
    perEvent,
    timeToDetect: {
      meanSteps: steps.length ? mean(steps) : null,
      medianSteps: steps.length ? median(steps) : null,
      meanSeconds: secs.length ? mean(secs) : null,
      medianSeconds: secs.length ? median(secs) : null,
    },
    alarms: alarmRuns.length,
    falseAlarms,
    falseAlarmsPerDay: covered ? (falseAlarms * 86400) / covered : null,
    falseAlarmsPer10kSteps: n ? (falseAlarms * 1e4) / n : NaN,
    coveredSeconds: covered,
  };
}

export interface CompositeF1 {
  /** Point-wise precision. */
  precision: number;
  /** Event-wise recall. */
  eventRecall: number;
  f1: number;
}

/**
 * Composite F1 of Garg et al. (TNNLS 2021): the harmonic mean of POINT-wise precision and
 * EVENT-wise recall, so one hit per event counts as recall but every false step costs precision.
 */
export function compositeF1(flags: ArrayLike<number>, labels: ArrayLike<number>): CompositeF1 {
  const c = confusionMatrix(flags, labels);
  const precision = c.tp + c.fp ? c.tp / (c.tp + c.fp) : 0;
  const ev = segments(labels);
  let detected = 0;
  for (const { start, end } of ev) {
    for (let i = start; i < end; i++) {
      if (flags[i]) {
        detected++;
        break;
      }
    }
  }
  const eventRecall = ev.length ? detected / ev.length : 0;
  return { precision, eventRecall, f1: f1Of(precision, eventRecall) };
}

/**
 * DIAGNOSTIC ONLY, never a headline number. Point adjustment (Xu et al. 2018): when any step of
 * a labelled event is flagged, every step of that event counts as flagged; then point-wise
 * P/R/F1. It rewards one lucky hit per long event, so a random score can reach a high value
 * (Kim et al., AAAI 2022); it is reported only to compare with papers that use it.
 */
export function pointAdjustedF1Diagnostic(flags: ArrayLike<number>, labels: ArrayLike<number>): PointMetrics {
  if (flags.length !== labels.length) {
    throw new Error(`pointAdjustedF1Diagnostic: flags have ${flags.length} steps but labels have ${labels.length}`);
  }
  const adjusted = Uint8Array.from(flags, (f) => (f ? 1 : 0));
  for (const { start, end } of segments(labels)) {
    let any = false;
    for (let i = start; i < end && !any; i++) any = !!adjusted[i];
    if (any) adjusted.fill(1, start, end);
  }
  return scoresFromConfusion(confusionMatrix(adjusted, labels));
}
