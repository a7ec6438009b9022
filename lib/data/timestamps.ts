// Timestamp text -> milliseconds since the epoch, for the formats of the supported datasets.
// None of these files carries a time zone, so wall-clock times are read as UTC: differences
// between rows are right, absolute instants are the local time written in the file.
//
//   iso      2020-02-08 13:30:47, 2021-07-10T00:00:01.5, optional Z or +hh:mm   (SKAB, HAI)
//   dmy      06/01/14 00 (BATADAL, dd/mm/yy HH), 28/12/2015 10:00:00 AM (SWaT);
//            day first; a two-digit year is 20yy
//   compact  20190926 13:00:00                                                   (HAI 1.0)
//   epoch    1594425601 or 1594425601.25: seconds since 1970-01-01 UTC

export type TimestampFormat = 'iso' | 'dmy' | 'compact' | 'epoch';

export const TIMESTAMP_FORMATS_HELP = 'YYYY-MM-DD hh:mm:ss, dd/mm/yy HH, dd/mm/yyyy hh:mm:ss AM, YYYYMMDD hh:mm:ss or epoch seconds';

const ISO = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;
const DMY = /^(\d{1,2})\/(\d{1,2})\/(\d{2}|\d{4})(?:[T ]+(\d{1,2})(?::(\d{2}))?(?::(\d{2})(?:\.(\d+))?)?\s*([AP]M)?)?$/i;
const COMPACT = /^(\d{4})(\d{2})(\d{2})[T ]+(\d{2}):(\d{2}):(\d{2})$/;
const EPOCH = /^[+-]?\d+(?:\.\d+)?$/;

/** ms since the epoch from calendar fields, or NaN when a field is out of range (31/02). */
function utc(y: number, mo: number, d: number, h: number, mi: number, s: number, frac: string | undefined): number {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return NaN;
  const t = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(t);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return NaN;
  return frac ? t + Number(`0.${frac}`) * 1000 : t;
}

function parseIso(t: string): number {
  const m = ISO.exec(t);
  if (!m) return NaN;
  let ms = utc(+m[1], +m[2], +m[3], +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0), m[7]);
  const zone = m[8];
  if (zone && zone.toUpperCase() !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    ms -= sign * (+digits.slice(0, 2) * 60 + +digits.slice(2)) * 60000;
  }
  return ms;
}

function parseDmy(t: string): number {
  const m = DMY.exec(t);
  if (!m) return NaN;
  const year = m[3].length === 2 ? 2000 + +m[3] : +m[3];
  let hour = +(m[4] ?? 0);
  const ampm = m[8]?.toUpperCase();
  if (ampm) {
    if (hour < 1 || hour > 12) return NaN;
    hour = (hour % 12) + (ampm === 'PM' ? 12 : 0);
  }
  return utc(year, +m[2], +m[1], hour, +(m[5] ?? 0), +(m[6] ?? 0), m[7]);
}

function parseCompact(t: string): number {
  const m = COMPACT.exec(t);
  return m ? utc(+m[1], +m[2], +m[3], +m[4], +m[5], +m[6], undefined) : NaN;
}

function parseEpoch(t: string): number {
  return EPOCH.test(t) ? Number(t) * 1000 : NaN;
}

const PARSERS: Record<TimestampFormat, (t: string) => number> = { iso: parseIso, dmy: parseDmy, compact: parseCompact, epoch: parseEpoch };
const ORDER: TimestampFormat[] = ['iso', 'dmy', 'compact', 'epoch'];

/**
 * Parses one timestamp (surrounding whitespace ignored). `hint` is tried first (the format of
 * the previous row), so a file costs one regex per row. Returns the format that matched, or
 * null when none did.
 */
export function parseTimestamp(text: string, hint?: TimestampFormat): { ms: number; format: TimestampFormat } | null {
  const t = text.trim();
  if (hint) {
    const ms = PARSERS[hint](t);
    if (ms === ms) return { ms, format: hint };
  }
  for (const f of ORDER) {
    if (f === hint) continue;
    const ms = PARSERS[f](t);
    if (ms === ms) return { ms, format: f };
  }
  return null;
}
