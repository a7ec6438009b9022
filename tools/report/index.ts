// The HTML report of scored data, for the demo and for `vigil report` alike: the evaluation
// table (model vs random vs PCA) and per-attack table where there are such, a table of every
// alarm episode per scorer, every scorer's anomaly score with its threshold and alarms, and all
// channels of the series in collapsible groups, labelled spans shaded; zoom and hover by one
// inline script. One self-contained index.html.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

import type { Series } from '../../lib/data/series';
import type { PostRules } from '../../lib/detect/episodes';
import type { NamedReport } from '../../lib/eval/report';
import { segments } from '../../lib/eval/events';
import { writeFileAtomic } from '../../lib/io/atomic';
import type { AttackResult } from './attacks';
import { episodeTable, labelledEvents, type EpisodeRecord, type LabelledEvent } from './episodes_table';
import { channelGroups, type ReportChannel } from './groups';
import { esc, page, type Section } from './html';
import { hourTicks, linePlot, type Span } from './svg';
import { attackTable, evaluationTable } from './tables';
import { rowLabel, UTC, type TimeZone } from './time';
import { zoomData, zoomDataElement, type ZoomPlot } from './zoom_data';
import { ZOOM_SCRIPT } from './zoom_script';

export { attackResults, missedAttacks, type AttackResult, type AttackSpan, type ScoredRun } from './attacks';
export { channelsNamed, episodeRecords, labelledEvents, type EpisodeRecord, type LabelledEvent } from './episodes_table';
export type { ReportChannel } from './groups';
export { UTC, zoneOf, type TimeZone } from './time';

/** A scorer as the report shows it: its score, its flags and their alarm episodes. */
export interface ReportRun {
  name: string;
  /** One score per row of the series (NaN where no window ends yet). */
  scores: ArrayLike<number>;
  /** The score threshold drawn as a line; absent when the flags come from another rule (alphas). */
  threshold?: number;
  /** Per-row flags (non-zero: flagged). */
  flags: ArrayLike<number>;
  /** The alarm episodes of the flags, and the post-rules that merged them. */
  episodes: EpisodeRecord[];
  postRules: PostRules;
}

export interface ReportInput {
  title: string;
  /** Plain-text facts shown under the title (data, models, sizes, how thresholds were fitted). */
  facts: string[];
  /** The scored series in its own units (not scaled). */
  series: Series;
  /** Every channel to plot, with its unit and group (default: all of the series' columns). */
  channels?: ReportChannel[];
  /** Channels plotted first, in an open group (default: those the episodes name). */
  keyChannels?: string[];
  /** Seconds per row (durations; hour labels without timestamps). */
  stepSeconds?: number;
  /** The zone times are shown in (default UTC). */
  zone?: TimeZone;
  /** The demo's attacks with their per-scorer detections (its attack table). */
  attacks?: AttackResult[];
  /** Labelled events (default: the attacks; else the runs of the series' labels), shaded and matched to episodes. */
  events?: LabelledEvent[];
  /** Labelled non-anomalies worth seeing (e.g. a benign demand shift): shaded in a second colour. */
  benign?: { startRow: number; endRow: number; label: string }[];
  runs: ReportRun[];
  /** How the episodes' top channels were chosen, for the note under the tables (default: by mean error). */
  episodeChannels?: string;
  /** Evaluation reports (the demo's; absent: no evaluation table). */
  reports?: NamedReport[];
  footer?: string;
}

const COLORS = ['#1f5fa8', '#6a3d9a', '#2a7f62', '#b15928', '#555'];

/** "a1-spoof-LIT101-low" -> "a1", "event 12" -> "e12": span labels must fit over short spans. */
const shortLabel = (id: string): string => id.replace(/^event (\d+)$/, 'e$1').split(/[-\s]/)[0];

/** The labelled events: the attacks, else the runs of the series' labels ("event 1", ...). */
function eventsOf(input: ReportInput): LabelledEvent[] {
  if (input.events) return input.events;
  if (input.attacks) return input.attacks.map((a) => ({ id: a.id, start: a.startRow, end: a.endRow }));
  return input.series.labels ? labelledEvents(input.series.labels) : [];
}

function spansOf(input: ReportInput, events: LabelledEvent[]): Span[] {
  const stealthy = new Set(input.attacks?.filter((a) => a.stealthy).map((a) => a.id));
  return [
    ...events.map((e) => ({ start: e.start, end: e.end, label: shortLabel(e.id), title: e.id, tone: stealthy.has(e.id) ? 'stealthy' as const : 'attack' as const })),
    ...(input.benign ?? []).map((b) => ({ start: b.startRow, end: b.endRow, label: shortLabel(b.label), title: b.label, tone: 'benign' as const })),
  ];
}

function column(series: Series, name: string): Float32Array {
  const c = series.columns.indexOf(name);
  if (c < 0) throw new Error(`report: no channel "${name}" in the series (${series.columns.join(', ')})`);
  const C = series.columns.length;
  return Float32Array.from({ length: series.rows }, (_, r) => series.data[r * C + c]);
}

/** Seconds per row: given, else the timestamps' mean step. */
function stepOf(input: ReportInput): number | undefined {
  const t = input.series.timestamps;
  return input.stepSeconds ?? (t && t.length > 1 ? (t[t.length - 1] - t[0]) / 1000 / (t.length - 1) : undefined);
}

/** About 8 x-axis ticks: at round hours when the step is known, else at round row counts. */
function axisTicks(rows: number, label: (row: number) => string, stepSeconds: number | undefined): { row: number; text: string }[] {
  if (stepSeconds) return hourTicks(rows, stepSeconds, label);
  const every = [1, 2, 5].flatMap((m) => [1, 10, 100, 1e3, 1e4, 1e5, 1e6].map((p) => m * p)).sort((a, b) => a - b).find((k) => rows / k <= 8) ?? 1e7;
  return Array.from({ length: Math.floor(rows / every) + 1 }, (_, i) => ({ row: i * every, text: label(i * every) }));
}

function legendOf(input: ReportInput, events: LabelledEvent[]): string {
  const items: [string, string][] = [];
  if (input.attacks) {
    items.push(['background:rgba(232,71,79,.3)', 'attack']);
    if (input.attacks.some((a) => a.stealthy)) items.push(['background:rgba(232,155,47,.4)', 'stealthy attack']);
  } else if (events.length) items.push(['background:rgba(232,71,79,.3)', 'labelled event']);
  if (input.benign?.length) items.push(['background:rgba(125,138,150,.3)', 'benign change (not an anomaly)']);
  if (input.runs.some((r) => r.threshold !== undefined)) items.push(['border-top:2px dashed #a3222a;height:0', 'threshold']);
  items.push(['background:#d0202a;height:8px;width:3px', 'alarm (flagged rows)']);
  return `<p class="legend">${items.map(([style, text]) => `<span><i style="${style}"></i>${esc(text)}</span>`).join('')}</p>`;
}

function episodesSection(input: ReportInput, events: LabelledEvent[], touched: Map<string, string[]> | undefined): string {
  const labelled = input.attacks !== undefined || input.series.labels !== undefined || input.events !== undefined;
  return input.runs.map((r) => {
    const rules = `merge gap ${r.postRules.mergeGap} rows, minimum duration ${r.postRules.minDuration} rows, cooldown ${r.postRules.cooldown} rows`;
    const false_ = r.episodes.filter((e) => e.events?.length === 0).length;
    const hit = new Set(r.episodes.flatMap((e) => e.events ?? []));
    const missed = events.filter((e) => !hit.has(e.id)).map((e) => e.id);
    const facts = [`${r.episodes.length} alarm episodes from ${Array.from(r.flags).reduce((a, f) => a + (f ? 1 : 0), 0)} flagged rows (post-rules: ${rules})`];
    if (labelled) facts.push(`${false_} false alarms (no labelled row in them); labelled events with no episode: ${missed.length ? missed.join(', ') : 'none'}`);
    const table = r.episodes.length ? episodeTable(r.episodes, { rows: input.series.rows, touched }) : '<p class="note">No alarms.</p>';
    return `<h3>${esc(r.name)}</h3>\n<p class="lead">${esc(facts.join('. '))}.</p>\n${table}`;
  }).join('\n') + `\n<p class="note">An episode: flagged rows merged by the post-rules (docs/detector.md); start and end are its first and last rows. Top channels: ${esc(input.episodeChannels ?? 'largest mean error over its flagged rows')}${input.attacks ? ' (<b>bold</b>: a channel the matched attack touched)' : ''}. The # links zoom the plots to it.</p>`;
}

export function renderReport(input: ReportInput): string {
  const { series } = input;
  const step = stepOf(input);
  const zone = input.zone ?? UTC;
  const label = rowLabel(series.timestamps, zone, step);
  const ticks = axisTicks(series.rows, label, step);
  const axis = { xTicks: ticks, zone: series.timestamps ? zone.label : undefined };
  const events = eventsOf(input);
  const spans = spansOf(input, events);
  const legend = legendOf(input, events);
  const zoomPlots: ZoomPlot[] = [];
  const plot = (values: ArrayLike<number>, alarms?: ZoomPlot['alarms']) => zoomPlots.push({ values, alarms }) - 1;
  const scorePlots = input.runs.map((r, i) => {
    const alarms = segments(r.flags);
    return linePlot({
      title: `${r.name}: anomaly score (log scale)`, values: r.scores, color: COLORS[i % COLORS.length], spans, logY: true, height: 150, ...axis, alarms,
      threshold: r.threshold === undefined ? undefined : { value: r.threshold, label: `threshold ${r.threshold.toPrecision(3)}` }, plot: plot(r.scores, alarms),
    });
  }).join('\n');
  const channels = input.channels ?? series.columns.map((name) => ({ name }));
  const key = input.keyChannels ?? [...new Set(input.runs.flatMap((r) => r.episodes.flatMap((e) => e.topChannels)))];
  const channelPlot = (ch: ReportChannel) => {
    const values = column(series, ch.name);
    return linePlot({ title: ch.unit ? `${ch.name} (${ch.unit})` : ch.name, values, color: '#33414e', spans, height: 105, ...axis, plot: plot(values) });
  };
  const keyed = new Set(key);
  const keyGroup = key.length
    ? `<details open><summary>${esc(input.keyChannels ? 'key channels' : 'channels the alarms name')} (${key.length})</summary>\n${channels.filter((c) => keyed.has(c.name)).map(channelPlot).join('\n')}\n</details>`
    : '';
  const groups = channelGroups(channels).map(({ group, channels: cs }) => {
    const rest = cs.filter((c) => !keyed.has(c.name));
    const above = cs.length - rest.length ? `; ${cs.filter((c) => keyed.has(c.name)).map((c) => c.name).join(', ')} above` : '';
    return rest.length ? `<details><summary>${esc(group)} (${rest.length}${esc(above)})</summary>\n${rest.map(channelPlot).join('\n')}\n</details>` : '';
  }).join('\n');
  const missed = input.attacks?.filter((a) => !a.detected) ?? [];
  const touched = input.attacks ? new Map(input.attacks.map((a) => [a.id, a.channels])) : undefined;
  const sections: Section[] = [];
  if (input.reports) sections.push({
    id: 'evaluation', title: 'Evaluation',
    html: `<p class="lead">Threshold-free numbers first; the threshold of every scorer was fitted on normal data only (never on these labels). Point-adjusted F1 is shown only as a diagnostic: it inflates scores (a random score can reach a high value).</p>\n${evaluationTable(input.reports)}`,
  });
  if (input.attacks) sections.push({
    id: 'attacks', title: 'Attacks',
    html: `<p class="lead">${input.attacks.length - missed.length} of ${input.attacks.length} attacks detected by at least one model${missed.length ? `; missed: ${esc(missed.map((a) => a.id).join(', '))}` : ''}.</p>\n${attackTable(input.attacks, step)}`,
  });
  sections.push(
    { id: 'episodes', title: 'Alarm episodes', html: episodesSection(input, events, touched) },
    { id: 'scores', title: 'Anomaly scores', html: legend + scorePlots },
    { id: 'series', title: `Channels (${channels.length})`, html: legend + keyGroup + groups },
  );
  const intro = `<ul class="facts">${input.facts.map((f) => `<li>${esc(f)}</li>`).join('')}</ul>`;
  const data = zoomData(series.rows, zoomPlots, { timestamps: series.timestamps, zone, stepSeconds: step });
  return page(input.title, intro, sections, esc(input.footer ?? 'Written by vigil. Self-contained: opens offline, nothing is fetched.'), { code: ZOOM_SCRIPT, data: zoomDataElement(data) });
}

/** Writes DIR/index.html and returns its absolute path. */
export function writeReport(dir: string, input: ReportInput): string {
  mkdirSync(dir, { recursive: true });
  const path = resolve(join(dir, 'index.html'));
  writeFileAtomic(path, renderReport(input));
  return path;
}
