// Typed errors for bad input data: each names where the problem is (file, line, column) and
// what was found, so a user can open the file at that line and see it.

export interface DataErrorWhere {
  /** The file (or preset/source name) being read. */
  file?: string;
  /** 1-based line number in the file, as an editor shows it (the header is line 1). */
  row?: number;
  /** Column name as written in the header (or c0, c1, ... without a header). */
  column?: string;
  /** The offending text, as found (untrimmed). */
  found?: string;
}

/** Longest piece of input text an error message quotes (a 1 MB header line is not echoed). */
export const SHOWN_MAX = 80;

/**
 * Input text as an error message quotes it: control and invisible characters escaped (\n, \t,
 * \x07, \u200b) so binary garbage cannot reach a terminal raw, and cut to SHOWN_MAX characters
 * with the full length said.
 */
export function shown(text: string, max = SHOWN_MAX): string {
  const cut = text.length > max ? text.slice(0, max) : text;
  // eslint-disable-next-line no-control-regex
  const esc = cut.replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028\u2029\ufeff\ufffd]/g, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    const code = c.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
  return text.length > max ? `${esc}… (${text.length} characters)` : esc;
}

export class DataError extends Error {
  readonly file?: string;
  readonly row?: number;
  readonly column?: string;
  readonly found?: string;

  /** `problem` is the bare description; the message is prefixed with the location. */
  constructor(problem: string, where: DataErrorWhere = {}) {
    super(`${location(where)}${problem}`);
    this.name = 'DataError';
    this.file = where.file;
    this.row = where.row;
    this.column = where.column;
    this.found = where.found;
  }
}

/** "file line 3, column "b": " (the parts that are known). */
function location(w: DataErrorWhere): string {
  const parts: string[] = [];
  if (w.file !== undefined) parts.push(w.file);
  if (w.row !== undefined) parts.push(`line ${w.row}`);
  let s = parts.join(' ');
  if (w.column !== undefined) s += `${s ? ', ' : ''}column "${shown(w.column)}"`;
  return s ? `${s}: ` : '';
}

/** Columns of scoring data that do not match the schema a model was trained with. */
export class SchemaError extends DataError {
  readonly missing: string[];
  readonly unexpected: string[];
  readonly reordered: string[];

  constructor(problem: string, file: string | undefined, diff: { missing: string[]; unexpected: string[]; reordered: string[] }) {
    super(problem, { file });
    this.name = 'SchemaError';
    this.missing = diff.missing;
    this.unexpected = diff.unexpected;
    this.reordered = diff.reordered;
  }
}
