// The report's table of alarm episodes (lib/detect/episodes.ts): one row per episode with its
// start and end, duration, peak score, the channels that drove it and, when the data is
// labelled, the labelled events it overlaps or "false alarm". episodeRecords is the table as
// data (vigil report --json prints it); episodeTable is its HTML.
import type { Episode } from '../../lib/detect/episodes';
import { segments, type Segment } from '../../lib/eval/events';
import { esc } from './html';
import { durationText } from './time';

/** A labelled event (an attack, a run of labelled rows): rows [start, end). */
export interface LabelledEvent extends Segment {
  id: string;
}

export interface EpisodeRecord {
  /** Rows [start, end) (end exclusive), gaps merged by the post-rules included. */
  start: number;
  end: number;
  /** The times of rows start and end - 1 (the last row in it), or null without timestamps. */
  startTime: string | null;
  endTime: string | null;
  /** end - start rows, and in seconds when the step is known. */
  duration: number;
  durationSeconds: number | null;
  flagged: number;
  peakScore: number;
  peakRow: number;
  /** The peak on the common scale (docs/detector.md "Calibrated scores"), where the bundle has one. */
  calibratedPeak?: number;
  topChannels: string[];
  /** Ids of the labelled events the episode overlaps ([]: a false alarm); null: no labels. */
  events: string[] | null;
}

export interface RecordOptions {
  /** A row's time as text (null: none). */
  time: (row: number) => string | null;
  stepSeconds?: number;
  /** Labelled events; absent: the data has no labels. */
  events?: LabelledEvent[];
  /** The channels to name for an episode (default: its topChannels by mean error). */
  channels?: (e: Episode) => string[];
  calibrated?: (score: number) => number;
}

/** The runs of labelled rows as events "event 1", "event 2", ... */
export function labelledEvents(labels: ArrayLike<number>): LabelledEvent[] {
  return segments(labels).map((s, i) => ({ id: `event ${i + 1}`, ...s }));
}

/** The ids of the events that share a row with rows [start, end). */
export function overlapping(start: number, end: number, events: LabelledEvent[]): string[] {
  return events.filter((v) => v.start < end && start < v.end).map((v) => v.id);
}

export function episodeRecords(eps: Episode[], o: RecordOptions): EpisodeRecord[] {
  return eps.map((e) => {
    const r: EpisodeRecord = {
      start: e.start, end: e.end, startTime: o.time(e.start), endTime: o.time(e.end - 1),
      duration: e.duration, durationSeconds: o.stepSeconds === undefined ? null : e.duration * o.stepSeconds,
      flagged: e.flagged, peakScore: e.peakScore, peakRow: e.peakRow,
      topChannels: o.channels ? o.channels(e) : e.topChannels.map((c) => c.name),
      events: o.events ? overlapping(e.start, e.end, o.events) : null,
    };
    if (o.calibrated) r.calibratedPeak = o.calibrated(e.peakScore);
    return r;
  });
}

/**
 * The channels a scores file names most often over an episode's flagged rows (`perRow[r]`: row
 * r's top channels, largest error first), at most k: by the rows naming them, then by their
 * summed rank (first = 0), then by name.
 */
export function channelsNamed(perRow: readonly (readonly string[])[], flags: ArrayLike<number>, e: Segment, k: number): string[] {
  const count = new Map<string, { rows: number; rank: number }>();
  for (let r = e.start; r < e.end; r++) {
    if (!flags[r]) continue;
    perRow[r].forEach((name, rank) => {
      const c = count.get(name) ?? { rows: 0, rank: 0 };
      c.rows++;
      c.rank += rank;
      count.set(name, c);
    });
  }
  return [...count].sort(([a, x], [b, y]) => y.rows - x.rows || x.rank - y.rank || (a < b ? -1 : 1)).slice(0, k).map(([n]) => n);
}

/** Rows of context around an episode when a link zooms to it. */
const zoomPad = (e: EpisodeRecord) => Math.max(10, e.duration);

/** The HTML table; a channel that a matched event touched (`touched`: event id -> channels, the demo's attacks) is bold. */
export function episodeTable(records: EpisodeRecord[], o: { rows: number; touched?: Map<string, string[]> }): string {
  const labelled = records.some((r) => r.events !== null);
  const calibrated = records.some((r) => r.calibratedPeak !== undefined);
  const timed = records.some((r) => r.startTime !== null);
  const head = ['#', timed ? 'start' : 'first row', timed ? 'end (last row)' : 'last row', 'duration', 'peak score', ...(calibrated ? ['peak, calibrated'] : []), 'top channels', ...(labelled ? ['labelled event'] : [])];
  const rows = records.map((r, i) => {
    const link = `#rows=${Math.max(0, r.start - zoomPad(r))}-${Math.min(o.rows, r.end + zoomPad(r))}`;
    const touched = new Set((r.events ?? []).flatMap((id) => o.touched?.get(id) ?? []));
    const top = r.topChannels.map((c) => (touched.has(c) ? `<b>${esc(c)}</b>` : esc(c))).join(', ') || '–';
    const dur = r.durationSeconds === null ? `${r.duration} rows` : durationText(r.durationSeconds);
    const cells = [
      `<td><a href="${link}" title="zoom the plots to this episode">${i + 1}</a></td>`,
      `<td class="l">${esc(r.startTime ?? String(r.start))}</td>`,
      `<td class="l">${esc(r.endTime ?? String(r.end - 1))}</td>`,
      `<td>${dur}</td>`,
      `<td>${esc(Number(r.peakScore.toPrecision(4)))}</td>`,
      ...(calibrated ? [`<td>${r.calibratedPeak === undefined ? '–' : r.calibratedPeak.toFixed(4)}</td>`] : []),
      `<td class="l">${top}</td>`,
      ...(labelled ? [r.events?.length ? `<td class="l">${esc(r.events.join(', '))}</td>` : '<td class="l fa">false alarm</td>'] : []),
    ];
    return `<tr data-start="${r.start}" data-end="${r.end}">${cells.join('')}</tr>`;
  });
  return `<table class="episodes">
<thead><tr>${head.map((h, i) => `<th${i === 1 || i === 2 || h === 'top channels' || h === 'labelled event' ? ' class="l"' : ''}>${esc(h)}</th>`).join('')}</tr></thead>
<tbody>${rows.join('\n')}</tbody>
</table>`;
}
