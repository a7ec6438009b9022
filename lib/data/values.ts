// Cell text -> value for feature and label columns, and the words for what is wrong with a cell.
import { shown } from './errors';

/** Largest finite float32: anything bigger would turn into Infinity in the Float32Array. */
export const F32_MAX = 3.4028234663852886e38;

/**
 * A feature cell as a finite float32-representable number, or NaN when the cell is bad
 * (then `badValueProblem` says why). Surrounding whitespace is ignored (Number() trims).
 */
export function parseFeature(raw: string): number {
  const v = +raw;
  // Fast path: one comparison pair rejects NaN and out-of-range values; 0 needs a second look
  // because Number('') and Number('   ') are 0.
  if (v >= -F32_MAX && v <= F32_MAX && (v !== 0 || raw.trim() !== '') && !nonDecimal(raw)) return v;
  return NaN;
}

/** Number() also reads 0x10, 0b11 and 0o17; a data file's cell is decimal, so those are errors. */
function nonDecimal(raw: string): boolean {
  return /^\s*0[xXbBoO]/.test(raw);
}

const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);

/**
 * line[b, e) as a plain decimal (spaces, optional sign, digits, optional '.' and digits), without
 * making a substring; NaN for anything else (exponents, NaN, text, empty), which the caller
 * then reads with parseFeature. Exact: the digits form an integer m < 2^53 and 10^f is exact
 * for f <= 22, so m / 10^f is the correctly rounded double, the same as Number(text).
 */
export function parseDecimal(line: string, b: number, e: number): number {
  while (b < e && line.charCodeAt(b) === 32) b++;
  while (e > b && line.charCodeAt(e - 1) === 32) e--;
  let c = line.charCodeAt(b);
  const neg = c === 45;
  if (neg || c === 43) b++;
  let m = 0;
  let frac = -1;
  let digits = 0;
  for (; b < e; b++) {
    c = line.charCodeAt(b);
    if (c >= 48 && c <= 57) {
      m = m * 10 + (c - 48);
      digits++;
      if (frac >= 0) frac++;
    } else if (c === 46 && frac < 0) frac = 0;
    else return NaN;
  }
  if (digits === 0 || m > Number.MAX_SAFE_INTEGER || frac > 22) return NaN;
  const v = frac > 0 ? m / POW10[frac] : m;
  return neg ? -v : v;
}

/** Why `parseFeature(raw)` failed, in words for an error message. */
export function badValueProblem(raw: string): string {
  const t = raw.trim();
  if (t === '') return 'empty cell';
  const q = shown(t);
  if (/^[+-]?nan$/i.test(t)) return `not a number ("${q}")`;
  if (nonDecimal(t)) return `not a decimal number ("${q}": hexadecimal, binary and octal notations are not read)`;
  const v = +t;
  if (/^[+-]?(inf|infinity)$/i.test(t) || v === Infinity || v === -Infinity) return `infinite value ("${q}")`;
  if (v === v) return `value out of float32 range ("${q}")`;
  return `text in a numeric column ("${q}")`;
}

/** Label values read as "unknown" and counted as normal (BATADAL dataset04's partial ATT_FLAG). */
export const UNKNOWN_LABELS: readonly number[] = [-999];

/**
 * A label cell -> 0 (normal) or 1 (anomalous), or -1 when it cannot be read. Numbers: non-zero
 * is anomalous, except the `unknown` values, which count as normal. Words, case and spaces
 * ignored (SWaT writes "A ttack"): attack/anomaly/true -> 1, normal/false -> 0.
 */
export function parseLabel(raw: string, unknown: readonly number[] = UNKNOWN_LABELS): number {
  const v = +raw;
  if (v === v && raw.trim() !== '' && !nonDecimal(raw)) {
    if (!Number.isFinite(v)) return -1;
    return v === 0 || unknown.includes(v) ? 0 : 1;
  }
  const w = raw.replace(/\s+/g, '').toLowerCase();
  if (w === 'attack' || w === 'anomaly' || w === 'true') return 1;
  if (w === 'normal' || w === 'false') return 0;
  return -1;
}
