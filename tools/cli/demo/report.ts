// The demo's HTML report, by the writer `vigil report` uses (tools/report): the attacked period
// in plant units, every channel by plant stage (the attacked ones open), every scorer's score
// with its threshold, its alarm episodes under the default post-rules, and the tables.
import { defaultPostRules, episodes } from '../../../lib/detect/episodes';
import { calibratedScore, tailCalibration } from '../../../lib/eval/calibrated';
import { episodeRecords, writeReport, type ReportRun } from '../../report';
import { formatTime, UTC } from '../../report/time';
import { demoModels, demoWindow, type DemoSizes } from './config';
import type { DemoData } from './data';
import type { DemoEvaluation } from './evaluate';
import type { Scored } from './models';

/** The channels the attacks touch, in column order. */
function keyChannels(data: DemoData): string[] {
  const touched = new Set(data.attacks.flatMap((a) => a.channels));
  return data.attacked.columns.filter((c) => touched.has(c));
}

/** A scorer's flags (score > its threshold) and their episodes under the defaults for its window (PCA: one row). */
function reportRun(s: Scored, data: DemoData, sizes: DemoSizes): ReportRun {
  const model = demoModels().find((m) => m.kind === s.name);
  const rules = defaultPostRules(model ? demoWindow(model, data.attacked.columns.length) : 1);
  const flags = Uint8Array.from(s.scores, (v) => (v > s.threshold.value ? 1 : 0));
  const t = data.attacked.timestamps;
  const found = episodes({ flags, scores: s.scores, channelErrors: s.channelErrors, columns: data.attacked.columns, timestamps: t }, rules);
  const tail = tailCalibration(s.threshold);
  const records = episodeRecords(found, {
    time: (r) => (t ? formatTime(t[r], UTC, true) : null), stepSeconds: sizes.sampleSeconds,
    events: data.attacks.map((a) => ({ id: a.id, start: a.startRow, end: a.endRow })),
    calibrated: tail ? (x) => calibratedScore(tail, x) : undefined,
  });
  return { name: s.name, scores: s.scores, threshold: s.threshold.value, flags, episodes: records, postRules: rules };
}

export function writeDemoReport(dir: string, data: DemoData, scored: Scored[], ev: DemoEvaluation, sizes: DemoSizes, facts: string[]): string {
  return writeReport(dir, {
    title: 'Vigil demo: simulated water treatment plant under attack',
    facts,
    series: data.attacked,
    channels: data.channels.map((c) => ({ name: c.name, unit: c.unit, group: `stage ${c.stage}` })),
    keyChannels: keyChannels(data),
    stepSeconds: sizes.sampleSeconds,
    zone: UTC,
    attacks: ev.attacks,
    benign: data.benign.map((b) => ({ startRow: b.startRow, endRow: b.endRow, label: `${b.id} (benign)` })),
    runs: scored.filter((s) => s.name !== 'random').map((s) => reportRun(s, data, sizes)),
    reports: ev.reports,
  });
}
