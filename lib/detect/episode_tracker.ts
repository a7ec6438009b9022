// Alarm episodes row by row, for streams: the post-rules of episodes.ts as a state machine that
// reports the episodes `episodes()` finds in the same rows, each as soon as it is decided:
//
// - 'opened' on the flagged row at which an episode reaches minDuration rows (at once when
//   minDuration is 1); an episode that never does is never announced;
// - 'closed', with its summary, on the row that makes it certain no later flag can join it: the
//   (mergeGap + 1)-th unflagged row after its last flagged row.
//
// `pending()` is the episode a series ending now would report last (what `episodes()` reports
// for a series cut here); the state is plain JSON for a stream's state().
import { addRow, closeEpisode, openEpisode, type Episode, type OpenEpisode, type PostRules } from './episodes';

export type EpisodeEvent = { event: 'opened'; start: number; startTimestamp?: number } | ({ event: 'closed' } & Episode);

/** The tracker's state as plain JSON. */
export interface EpisodeTrackerJSON {
  rules: PostRules;
  /** Rows seen so far (the next row's index). */
  rows: number;
  /** The first row after the last reported episode's cooldown. */
  quietFrom: number;
  /** The episode being built (opened: announced), or null. */
  open: (OpenEpisode & { opened: boolean }) | null;
}

export class EpisodeTracker {
  private rows = 0;
  private quietFrom = 0;
  private open: OpenEpisode | null = null;
  private opened = false;

  constructor(
    readonly rules: PostRules,
    private readonly columns: readonly string[] | undefined,
    private readonly top: number,
    state?: EpisodeTrackerJSON,
  ) {
    if (state) this.restore(state);
  }

  /**
   * The next row: its flag, score, channel errors (errors[at..at + channels), or null without
   * them) and timestamp (NaN: none). Returns the event this row decides, or null.
   */
  push(flag: boolean, score: number, errors: ArrayLike<number> | null, at: number, timestamp: number): EpisodeEvent | null {
    const r = this.rows++;
    const { minDuration, mergeGap, cooldown } = this.rules;
    let e = this.open;
    if (!flag) {
      if (!e || r - e.end < mergeGap) return null;
      // The (mergeGap + 1)-th quiet row: nothing later can join it.
      this.open = null;
      if (e.end - e.start < minDuration) return null;
      this.quietFrom = e.end + cooldown;
      return { event: 'closed', ...closeEpisode(e, this.columns, this.top) };
    }
    if (!e) {
      if (r < this.quietFrom) return null;
      e = this.open = openEpisode(r, this.columns && errors ? this.columns.length : 0);
      this.opened = false;
    }
    addRow(e, r, score, errors, at, timestamp);
    if (this.opened || e.end - e.start < minDuration) return null;
    this.opened = true;
    return { event: 'opened', start: e.start, ...(e.startTimestamp !== undefined ? { startTimestamp: e.startTimestamp } : {}) };
  }

  /** The open episode as `episodes()` would report it if the series ended now, or null. */
  pending(): Episode | null {
    const e = this.open;
    return e && e.end - e.start >= this.rules.minDuration ? closeEpisode(e, this.columns, this.top) : null;
  }

  toJSON(): EpisodeTrackerJSON {
    const e = this.open;
    return { rules: { ...this.rules }, rows: this.rows, quietFrom: this.quietFrom, open: e ? { ...e, sums: [...e.sums], opened: this.opened } : null };
  }

  private restore(s: EpisodeTrackerJSON): void {
    const bad = (what: string) => new Error(`episode state: ${what}`);
    const int = (v: unknown) => Number.isInteger(v) && (v as number) >= 0;
    if (!s || typeof s !== 'object') throw bad('not an object');
    const r = s.rules, mine = this.rules;
    if (!r || r.minDuration !== mine.minDuration || r.mergeGap !== mine.mergeGap || r.cooldown !== mine.cooldown) throw bad(`taken with post-rules ${JSON.stringify(s.rules)}, this stream has ${JSON.stringify(this.rules)}`);
    if (!int(s.rows) || !int(s.quietFrom)) throw bad('rows and quietFrom must be non-negative integers');
    this.rows = s.rows;
    this.quietFrom = s.quietFrom;
    const e = s.open;
    if (e === null) return;
    const channels = this.columns ? this.columns.length : 0;
    if (!e || !int(e.start) || !int(e.end) || !int(e.flagged) || !int(e.peakRow) || e.end > s.rows || e.start >= e.end || !(e.flagged >= 1))
      throw bad('the open episode must have rows start < end <= rows and at least one flagged row');
    if (!Array.isArray(e.sums) || (e.sums.length !== 0 && e.sums.length !== channels) || !e.sums.every((v) => typeof v === 'number'))
      throw bad(`the open episode's sums must be ${channels} numbers`);
    const { opened, ...open } = e;
    this.open = { ...open, sums: [...e.sums] };
    this.opened = opened === true;
  }
}
