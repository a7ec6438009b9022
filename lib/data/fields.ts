// Splitting one CSV line into fields, and guessing the separator from a line.
import { DataError } from './errors';

export type Separator = ',' | ';' | '\t';
const SEPARATORS: Separator[] = [',', ';', '\t'];

/**
 * The separator that occurs most often outside double quotes in `line` (',' when none does).
 * Used on the first line of a file: the header, or the first row when there is none.
 */
export function detectSeparator(line: string): Separator {
  let best: Separator = ',';
  let bestCount = 0;
  for (const sep of SEPARATORS) {
    let n = 0;
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (c === '"') quoted = !quoted;
      else if (c === sep && !quoted) n++;
    }
    if (n > bestCount) {
      best = sep;
      bestCount = n;
    }
  }
  return best;
}

/** The fields of `line`. Lines without a double quote take the fast path (String.split). */
export function splitFields(line: string, sep: Separator, file: string, row: number): string[] {
  return line.indexOf('"') < 0 ? line.split(sep) : splitQuoted(line, sep, { file, row });
}

/**
 * Field boundaries of a line without quotes, without making substrings: field k is
 * line[starts[k], starts[k + 1] - 1). Fills at most starts.length - 1 fields and returns the
 * number of fields the line has (which may be more).
 */
export function fieldBounds(line: string, sep: Separator, starts: Int32Array): number {
  const max = starts.length - 1;
  let n = 0;
  let at = 0;
  for (;;) {
    if (n < max) starts[n] = at;
    n++;
    const e = line.indexOf(sep, at);
    if (e < 0) break;
    at = e + 1;
  }
  if (n <= max) starts[n] = line.length + 1;
  return n;
}

/**
 * Minimal RFC 4180 quoting within one line: a field whose first non-blank character is '"'
 * runs to the next lone '"' ('""' inside stands for one '"'), so it may contain separators.
 * A quote elsewhere in a field is kept as text. Fields spanning lines are refused.
 */
export function splitQuoted(line: string, sep: Separator, where: { file: string; row: number }): string[] {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    let j = i;
    while (j < line.length && (line[j] === ' ' || line[j] === '\t') && line[j] !== sep) j++;
    if (line[j] === '"') {
      let text = '';
      let k = j + 1;
      for (;;) {
        const q = line.indexOf('"', k);
        if (q < 0) throw new DataError('a quoted field is not closed on its line (fields spanning lines are not supported)', where);
        text += line.slice(k, q);
        if (line[q + 1] === '"') {
          text += '"';
          k = q + 2;
        } else {
          k = q + 1;
          break;
        }
      }
      while (k < line.length && line[k] !== sep && line[k].trim() === '') k++;
      if (k < line.length && line[k] !== sep) {
        throw new DataError(`text after the closing quote of a quoted field ("${line.slice(j, Math.min(line.length, k + 10))}")`, where);
      }
      out.push(text);
      if (k >= line.length) return out;
      i = k + 1;
    } else {
      const e = line.indexOf(sep, i);
      if (e < 0) {
        out.push(line.slice(i));
        return out;
      }
      out.push(line.slice(i, e));
      i = e + 1;
    }
  }
}
