// Alarm episodes: per-row flags merged into the alarms an operator acts on, by three post-rules.
//
// - mergeGap: two runs of flagged rows separated by at most mergeGap unflagged rows are one
//   episode (0: only adjacent flagged rows are).
// - minDuration: an episode spanning fewer rows (first flagged row to last, gaps included) is
//   dropped (1: none is).
// - cooldown: a flagged row within `cooldown` rows after a reported episode's last row is
//   ignored, so a new episode starts at the first flagged row after that (0: none is ignored).
//   Only reported episodes start a cooldown; one no longer than mergeGap does nothing, as the
//   rows after an episode that mergeGap covers are unflagged by definition.
//
// The rules apply in that order for each episode: the next run is merged into the open episode
// if it is close enough, else the open one is closed (reported when long enough, starting its
// cooldown) and the run, cut by the cooldown, opens the next. `episodes()` does it over the runs
// of a whole series; EpisodeTracker (episode_tracker.ts) does it row by row for streams and
// gives the same episodes (test/detect/episodes.test.ts).
//
// An episode is a Segment as lib/eval/events.ts counts them: rows [start, end), end exclusive.
import type { Segment } from '../eval/events';
import type { TopChannel } from './decide';

export interface PostRules {
  /** Rows an episode must span to be reported (>= 1). */
  minDuration: number;
  /** Unflagged rows that may separate two runs of one episode (>= 0). */
  mergeGap: number;
  /** Rows after a reported episode in which flags are ignored (>= 0). */
  cooldown: number;
}

/**
 * The fixed defaults for a detector whose decisions look at `window` rows: runs closer than a
 * window are merged (their windows overlap, so they are one disturbance seen twice, not two
 * pieces of evidence); nothing is dropped or delayed (minDuration 1, cooldown 0), so no flag is
 * hidden from the operator. Fixed, not fitted: see docs/detector.md "Alarm episodes".
 */
export function defaultPostRules(window: number): PostRules {
  return { minDuration: 1, mergeGap: Math.max(0, window - 1), cooldown: 0 };
}

/** The rules with `given` over `base`, each checked (a clear error naming the rule). */
export function postRules(given: Partial<PostRules> | undefined, base: PostRules): PostRules {
  if (given !== undefined && (given === null || typeof given !== 'object' || Array.isArray(given)))
    throw new Error(`postRules must be an object { minDuration, mergeGap, cooldown }, got ${JSON.stringify(given)}`);
  const r = { ...base, ...given };
  for (const k of Object.keys(r)) if (!(k in base)) throw new Error(`postRules: unknown rule "${k}" (known: minDuration, mergeGap, cooldown)`);
  const check = (k: keyof PostRules, min: number) => {
    if (!(Number.isInteger(r[k]) && r[k] >= min)) throw new Error(`postRules.${k} must be an integer >= ${min} (rows), got ${JSON.stringify(r[k])}`);
  };
  check('minDuration', 1);
  check('mergeGap', 0);
  check('cooldown', 0);
  return { minDuration: r.minDuration, mergeGap: r.mergeGap, cooldown: r.cooldown };
}

export interface Episode extends Segment {
  /** end - start: the rows spanned, gaps included. */
  duration: number;
  /** Flagged rows in the episode (the rest are merged gaps). */
  flagged: number;
  /** The largest score of its flagged rows, and the first row holding it. */
  peakScore: number;
  peakRow: number;
  /** Channels of largest mean error over the flagged rows, largest first (ties: the lower channel). */
  topChannels: TopChannel[];
  /** ms since the epoch of rows start and end - 1, when the rows came with timestamps. */
  startTimestamp?: number;
  endTimestamp?: number;
}

/** What the episodes are built from: per-row columns as SeriesScores holds them. */
export interface EpisodeSource {
  /** Non-zero: flagged. */
  flags: ArrayLike<number>;
  scores: ArrayLike<number>;
  /** [rows, columns.length] per-channel errors; absent: episodes name no channels. */
  channelErrors?: ArrayLike<number>;
  /** Channel names (needed with channelErrors). */
  columns?: readonly string[];
  /** ms since the epoch per row. */
  timestamps?: ArrayLike<number>;
}

/** An episode being built: the running sums its summary needs (lib/detect's own). */
export interface OpenEpisode {
  start: number;
  end: number;
  flagged: number;
  peakScore: number;
  peakRow: number;
  /** Per-channel error sums over the flagged rows (float64), empty without channel errors. */
  sums: number[];
  startTimestamp?: number;
  endTimestamp?: number;
}

/** lib/detect's own: adds flagged row r (its score, errors at errors[at..at + F), timestamp or NaN). */
export function addRow(e: OpenEpisode, r: number, score: number, errors: ArrayLike<number> | null, at: number, timestamp: number): void {
  e.end = r + 1;
  e.flagged++;
  if (score > e.peakScore || e.flagged === 1) (e.peakScore = score), (e.peakRow = r);
  if (errors) for (let c = 0; c < e.sums.length; c++) e.sums[c] += errors[at + c];
  if (timestamp === timestamp) {
    if (e.flagged === 1) e.startTimestamp = timestamp;
    e.endTimestamp = timestamp;
  }
}

/** lib/detect's own: an empty episode starting at row r. */
export function openEpisode(r: number, channels: number): OpenEpisode {
  return { start: r, end: r, flagged: 0, peakScore: NaN, peakRow: r, sums: new Array<number>(channels).fill(0) };
}

/** lib/detect's own: the summary of a closed episode. */
export function closeEpisode(e: OpenEpisode, columns: readonly string[] | undefined, top: number): Episode {
  const F = e.sums.length;
  const order = Array.from({ length: F }, (_, c) => c).sort((a, b) => e.sums[b] - e.sums[a] || a - b);
  const topChannels = order.slice(0, Math.min(top, F)).map((c) => ({ name: columns![c], error: e.sums[c] / e.flagged }));
  const out: Episode = { start: e.start, end: e.end, duration: e.end - e.start, flagged: e.flagged, peakScore: e.peakScore, peakRow: e.peakRow, topChannels };
  if (e.startTimestamp !== undefined) (out.startTimestamp = e.startTimestamp), (out.endTimestamp = e.endTimestamp);
  return out;
}

/** lib/detect's own: checks the channel errors against the rows and columns; the channel count. */
export function channelsOf(rows: number, channelErrors: ArrayLike<number> | undefined, columns: readonly string[] | undefined): number {
  if (!channelErrors) return 0;
  if (!columns) throw new Error('episodes: channelErrors need the columns that name them');
  if (channelErrors.length !== rows * columns.length)
    throw new Error(`episodes: channelErrors hold ${channelErrors.length} values, expected rows ${rows} * columns ${columns.length}`);
  return columns.length;
}

/** The alarm episodes of one series by the rules (a pure function of its columns). */
export function episodes(src: EpisodeSource, rules: PostRules, top = 3): Episode[] {
  const { flags, scores, timestamps } = src;
  const n = flags.length;
  if (scores.length !== n) throw new Error(`episodes: ${scores.length} scores for ${n} flags`);
  if (timestamps && timestamps.length !== n) throw new Error(`episodes: ${timestamps.length} timestamps for ${n} flags`);
  if (!(Number.isInteger(top) && top >= 0)) throw new Error(`top must be a non-negative integer, got ${top}`);
  const F = channelsOf(n, src.channelErrors, src.columns);
  const errors = src.channelErrors ?? null;
  const out: Episode[] = [];
  let open: OpenEpisode | null = null;
  let quietFrom = 0; // the first row after the last reported episode's cooldown
  const close = () => {
    if (open && open.end - open.start >= rules.minDuration) {
      out.push(closeEpisode(open, src.columns, top));
      quietFrom = open.end + rules.cooldown;
    }
    open = null;
  };
  for (let a = 0; a < n; ) {
    if (!flags[a]) {
      a++;
      continue;
    }
    let b = a;
    while (b < n && flags[b]) b++;
    // The run [a, b): merged into the open episode, or it opens the next one past the cooldown.
    if (!open || a - open.end > rules.mergeGap) {
      close();
      if (Math.max(a, quietFrom) < b) open = openEpisode(Math.max(a, quietFrom), F);
    }
    if (open) for (let r = Math.max(a, open.start); r < b; r++) addRow(open, r, scores[r], errors, r * F, timestamps ? timestamps[r] : NaN);
    a = b;
  }
  close();
  return out;
}
