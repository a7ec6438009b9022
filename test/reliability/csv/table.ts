// docs/reliability.md's CSV bad-input table, made by reading each case with readCsv: the case,
// then the error it gets (the file's path shown as <file>) or what was read.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { readCsv } from '../../../lib/data/csv';
import { CSV_CASES, type CsvCase } from './cases';

export const TABLE_BEGIN = '<!-- csv-table: made by test/reliability/csv_table.test.ts; VIGIL_UPDATE_DOCS=1 rewrites it -->';
export const TABLE_END = '<!-- csv-table end -->';

/** What reading one case gives, as a table cell. */
async function outcome(c: CsvCase, dir: string): Promise<string> {
  const path = join(dir, c.file);
  writeFileSync(path, c.bytes);
  try {
    const s = await readCsv(path, c.opts);
    const anomalous = s.labels ? s.labels.reduce((a, v) => a + v, 0) : 0;
    return `read: ${s.rows} rows × ${s.columns.length} columns [${s.columns.join(', ')}]${s.labels ? `, ${anomalous} labelled anomalous` : ''}`;
  } catch (e) {
    return `error: ${(e as Error).message.replaceAll(path, '<file>')}`;
  } finally {
    rmSync(path, { force: true });
  }
}

const cell = (s: string) => s.replaceAll('|', '\\|').replaceAll('\n', ' ');

export async function csvTable(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-csv-table-'));
  try {
    const lines = ['| Input | What `readCsv` (and `vigil train --data`) does |', '| --- | --- |'];
    for (const c of CSV_CASES) lines.push(`| ${cell(c.name)} | ${cell(await outcome(c, dir))} |`);
    return lines.join('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
