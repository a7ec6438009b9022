// Time on the report's axes and tables: date and time in the data's own zone. lib/data reads a
// timestamp without a zone as UTC (the wall-clock time written in the file), and one with an
// offset ("...+02:00") as the instant it names; the report shows times in that offset, else UTC.

export interface TimeZone {
  /** "UTC" or "UTC+02:00". */
  label: string;
  /** Minutes east of UTC. */
  offsetMinutes: number;
}

export const UTC: TimeZone = { label: 'UTC', offsetMinutes: 0 };

const OFFSET = /(?:\d)\s*(Z|[+-]\d{2}:?\d{2})$/i;

/** The zone a timestamp's text names: its trailing Z or +hh:mm / -hhmm; UTC when it names none. */
export function zoneOf(text: string): TimeZone {
  const m = OFFSET.exec(text.trim());
  if (!m || m[1].toUpperCase() === 'Z') return UTC;
  const digits = m[1].slice(1).replace(':', '');
  const minutes = (m[1][0] === '-' ? -1 : 1) * (+digits.slice(0, 2) * 60 + +digits.slice(2));
  if (!minutes) return UTC;
  return { label: `UTC${m[1][0]}${digits.slice(0, 2)}:${digits.slice(2)}`, offsetMinutes: minutes };
}

/** "2024-01-01 06:30" (with seconds: "2024-01-01 06:30:15") in the zone, without its label. */
export function formatTime(ms: number, zone: TimeZone, seconds = false): string {
  return new Date(ms + zone.offsetMinutes * 60000).toISOString().slice(0, seconds ? 19 : 16).replace('T', ' ');
}

/**
 * The label of a row on a time axis: its timestamp in the zone (rows past the last timestamp
 * continue at stepSeconds), hours from the start when there are no timestamps but the step is
 * known, else the row number.
 */
export function rowLabel(timestamps: ArrayLike<number> | undefined, zone: TimeZone, stepSeconds?: number): (row: number) => string {
  const t = timestamps;
  if (t && t.length) {
    const step = (stepSeconds ?? (t.length > 1 ? (t[t.length - 1] - t[0]) / 1000 / (t.length - 1) : 1)) * 1000;
    return (row) => formatTime(row < t.length ? t[row] : t[t.length - 1] + (row - t.length + 1) * step, zone);
  }
  if (stepSeconds) return (row) => `${((row * stepSeconds) / 3600).toFixed(1)} h`;
  return (row) => `row ${row}`;
}

/** A duration in words: "45 s", "12.5 min", "3.2 h". */
export function durationText(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${(seconds / 60).toFixed(1)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}
