import { strict as assert } from 'node:assert';

import { readCsv } from '../../lib/data/csv';
import { DataError } from '../../lib/data/errors';
import { parseDecimal, parseFeature } from '../../lib/data/values';
import { rejection, useTmpDir } from './tmp';

// Each bad cell as written in the file, and how the error describes it.
const BAD: [string, string][] = [
  ['', 'empty cell'],
  ['   ', 'empty cell'],
  ['NaN', 'not a number ("NaN")'],
  ['nan', 'not a number ("nan")'],
  ['abc', 'text in a numeric column ("abc")'],
  ['1.2.3', 'text in a numeric column ("1.2.3")'],
  ['12kg', 'text in a numeric column ("12kg")'],
  ['inf', 'infinite value ("inf")'],
  ['-Infinity', 'infinite value ("-Infinity")'],
  ['+Infinity', 'infinite value ("+Infinity")'],
  ['1e999', 'infinite value ("1e999")'],
  ['1e39', 'value out of float32 range ("1e39")'],
  ['0x10', 'not a decimal number ("0x10": hexadecimal, binary and octal notations are not read)'],
  [' 0b11', 'not a decimal number ("0b11": hexadecimal, binary and octal notations are not read)'],
  ['0o17', 'not a decimal number ("0o17": hexadecimal, binary and octal notations are not read)'],
  ['\u0007\u0000ab\u001b[2J', 'text in a numeric column ("\\x07\\x00ab\\x1b[2J")'],
  ['x'.repeat(100000), `text in a numeric column ("${'x'.repeat(80)}… (100000 characters)")`],
];

describe('data: bad values', () => {
  const tmp = useTmpDir();
  // The bad cell sits in column "b" of the second data row (line 3).
  const file = (cell: string) => tmp.file('bad.csv', `a,b\n1,10\n2,${cell}\n3,30\n`);

  describe("onBadValue 'error' (the default)", () => {
    for (const [cell, problem] of BAD) {
      it(`names file, line and column for ${JSON.stringify(cell)}`, async () => {
        const p = file(cell);
        const e = await rejection(readCsv(p));
        assert.ok(e instanceof DataError);
        assert.equal(e.message, `${p} line 3, column "b": ${problem} (onBadValue is 'error'; 'ffill' would copy the previous row's value)`);
        assert.equal(e.file, p);
        assert.equal(e.row, 3);
        assert.equal(e.column, 'b');
        assert.equal(e.found, cell);
      });
    }
  });

  describe("onBadValue 'ffill'", () => {
    for (const [cell] of BAD) {
      it(`copies the previous row's value over ${JSON.stringify(cell)}`, async () => {
        const s = await readCsv(file(cell), { onBadValue: 'ffill' });
        assert.deepEqual(s.data, Float32Array.from([1, 10, 2, 10, 3, 30]));
      });
    }

    it('carries a value over consecutive bad rows, per column', async () => {
      const s = await readCsv(tmp.file('run.csv', 'a,b\n1,10\nNaN,\n,inf\n4,40\n'), { onBadValue: 'ffill' });
      assert.deepEqual(s.data, Float32Array.from([1, 10, 1, 10, 1, 10, 4, 40]));
    });

    for (const [cell, problem] of BAD) {
      it(`is still an error for ${JSON.stringify(cell)} in the first data row`, async () => {
        const p = tmp.file('first.csv', `a,b\n1,${cell}\n2,20\n`);
        const e = await rejection(readCsv(p, { onBadValue: 'ffill' }));
        assert.equal(e.message, `${p} line 2, column "b": ${problem} in the first data row: onBadValue 'ffill' has no previous value to copy`);
        assert.deepEqual([e.row, e.column], [2, 'b']);
      });
    }
  });

  it('counts lines from the top of the file (header, skipped and blank lines included)', async () => {
    const p = tmp.file('lines.csv', 'junk\na,b\n1,2\n\n3,x\n');
    const e = await rejection(readCsv(p, { skipLines: 1 }));
    assert.equal(e.message, `${p} line 5, column "b": text in a numeric column ("x") (onBadValue is 'error'; 'ffill' would copy the previous row's value)`);
  });

  it('names a column of a header-less file by its c<k> name', async () => {
    const p = tmp.file('nh.txt', '1,2,3\n4,,6\n');
    const e = await rejection(readCsv(p, { header: false }));
    assert.equal(e.message, `${p} line 2, column "c1": empty cell (onBadValue is 'error'; 'ffill' would copy the previous row's value)`);
  });

  it('refuses an unknown policy', async () => {
    const p = file('1');
    const e = await rejection(readCsv(p, { onBadValue: 'zero' as 'error' }));
    assert.equal(e.message, `${p}: onBadValue must be 'error' or 'ffill', not 'zero'`);
  });

  it('parses plain decimals in place exactly as Number() does', () => {
    // Random decimals of every length and magnitude, plus the edge forms.
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const texts = ['0', '-0', '+1', '.5', '1.', '007', '0.1', '123456789012345', '9007199254740993', '0.0000000000000000000001', ' 2.5 '];
    for (let i = 0; i < 20000; i++) {
      const digits = Array.from({ length: 1 + Math.floor(rand() * 18) }, () => Math.floor(rand() * 10)).join('');
      const dot = Math.floor(rand() * (digits.length + 1));
      const sign = rand() < 0.3 ? '-' : '';
      texts.push(`${sign}${digits.slice(0, dot)}.${digits.slice(dot)}`);
    }
    for (const t of texts) {
      const fast = parseDecimal(t, 0, t.length);
      const ref = Number(t);
      if (fast === fast) assert.ok(Object.is(fast, ref), `${t}: ${fast} vs ${ref}`);
      else assert.ok(Object.is(parseFeature(t), ref) || !(Math.abs(ref) <= 3.4e38), `${t}: fallback`);
    }
    for (const t of ['1e5', 'NaN', '', '-', '.', '1,5', '0x10', '1 2']) assert.ok(Number.isNaN(parseDecimal(t, 0, t.length)), t);
  });
});
