// Column names and kinds of a header-less tabular file, from a names file in the UCI style
// (KDD Cup 99's kddcup.names):
//
//   back,buffer_overflow,...,normal,...,warezmaster.     <- optional: the class names
//   duration: continuous.                                <- one line per column, in file order
//   protocol_type: symbolic.
//
// Accepted variations (the copy in ../shared/data/kddcup99 uses them): comment lines starting
// with '#' or '|' (UCI's comment mark, also after a declaration), blank lines, no final '.',
// and words after the kind (`label: symbolic (e.g. "normal.")`). When the file lists the class
// names, the class is UCI's implicit last column: it is added as a symbolic column `label`
// (unless a column of that name is declared), so both styles give the same columns.
import { readFileSync } from 'node:fs';

import { DataError } from './errors';

export type ColumnKind = 'continuous' | 'symbolic';

export interface ColumnSpec {
  name: string;
  kind: ColumnKind;
}

export interface NamesFile {
  /** Every column of the data file, in file order (the class column included). */
  columns: ColumnSpec[];
  /** The class names of the first line, without the final '.' (UCI style only). */
  classes?: string[];
}

/** The implicit class column's name in the UCI style. */
export const CLASS_COLUMN = 'label';

const DECLARATION = /^([^:]+):\s*(continuous|symbolic)\b\.?(.*)$/i;

/** Parses the text of a names file; `file` names it in errors. */
export function parseNames(text: string, file?: string): NamesFile {
  const columns: ColumnSpec[] = [];
  const seen = new Map<string, number>();
  let classes: string[] | undefined;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = stripComment(lines[i]);
    if (line === '') continue;
    const where = { file, row: i + 1 };
    const m = DECLARATION.exec(line);
    if (m) {
      const name = m[1].trim();
      if (seen.has(name)) throw new DataError(`column "${name}" is declared twice (lines ${seen.get(name)} and ${i + 1})`, { ...where, column: name });
      seen.set(name, i + 1);
      columns.push({ name, kind: m[2].toLowerCase() as ColumnKind });
      continue;
    }
    // The class list is the first statement of the file; anything else is a typo'd declaration.
    if (columns.length === 0 && classes === undefined && !line.includes(':')) {
      classes = line.replace(/\.$/, '').split(',').map((c) => c.trim()).filter((c) => c !== '');
      continue;
    }
    throw new DataError(`expected "name: continuous" or "name: symbolic", found "${line}"`, where);
  }
  if (columns.length === 0) throw new DataError('no column declarations ("name: continuous" or "name: symbolic")', { file });
  if (classes !== undefined && !seen.has(CLASS_COLUMN)) columns.push({ name: CLASS_COLUMN, kind: 'symbolic' });
  return classes === undefined ? { columns } : { columns, classes };
}

/** Reads and parses a names file. */
export function readNames(path: string): NamesFile {
  return parseNames(readFileSync(path, 'utf8'), path);
}

function stripComment(line: string): string {
  const t = line.trim();
  if (t.startsWith('#')) return '';
  const bar = t.indexOf('|');
  return (bar < 0 ? t : t.slice(0, bar)).trim();
}
