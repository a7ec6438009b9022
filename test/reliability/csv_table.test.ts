// docs/reliability.md's CSV bad-input table is what readCsv does: the test remakes the table
// from test/reliability/csv/cases.ts and compares it with the doc's, so neither can drift
// (VIGIL_UPDATE_DOCS=1 writes the remade table into the doc instead). `vigil train --data`
// reads through readCsv: one case checks that the CLI says the same.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { vigil } from '../helpers/cli';
import { CSV_CASES } from './csv/cases';
import { csvTable, TABLE_BEGIN, TABLE_END } from './csv/table';

const DOC = join(__dirname, '..', '..', 'docs', 'reliability.md');

describe('reliability: the CSV bad-input table', function () {
  this.timeout(120000);

  it('docs/reliability.md holds the table readCsv gives today', async () => {
    const doc = readFileSync(DOC, 'utf8');
    const at = doc.indexOf(TABLE_BEGIN), end = doc.indexOf(TABLE_END);
    assert.ok(at >= 0 && end > at, `${DOC} has no table between "${TABLE_BEGIN}" and "${TABLE_END}"`);
    const table = await csvTable();
    if (process.env.VIGIL_UPDATE_DOCS) writeFileSync(DOC, `${doc.slice(0, at + TABLE_BEGIN.length)}\n${table}\n${doc.slice(end)}`);
    else assert.equal(doc.slice(at + TABLE_BEGIN.length, end).trim(), table, 'the table in docs/reliability.md is out of date: rerun with VIGIL_UPDATE_DOCS=1 and review the diff');
  });

  it('`vigil train --data` stops on a bad cell with readCsv\'s error, naming the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-csv-cli-'));
    try {
      const c = CSV_CASES.find((k) => k.name === 'a hexadecimal cell (0x10)')!;
      const path = join(dir, c.file);
      writeFileSync(path, c.bytes);
      const r = vigil(['train', '--model', 'lstm-ae', '--data', path, '--timestamp', 'time', '--label', 'label', '--out', join(dir, 'm.vigil')], dir);
      assert.notEqual(r.code, 0);
      assert.match(r.err, new RegExp(`${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} line 3, column "a": not a decimal number \\("0x10"`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
