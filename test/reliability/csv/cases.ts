// The bad-input cases of docs/reliability.md's CSV table: each a file's bytes and the options
// `vigil train --data x.csv --timestamp time --label label` would read it with.
import { gzipSync } from 'node:zlib';

import type { CsvOptions } from '../../../lib/data/csv';

export interface CsvCase {
  /** The table's first column. */
  name: string;
  /** The file's name (its extension matters: .gz is gunzipped). */
  file: string;
  bytes: Buffer;
  opts?: CsvOptions;
}

const HEAD = 'time,a,b,label\n';
const row = (t: number, a: string, b = '2') => `2024-01-01 00:00:0${t},${a},${b},0\n`;
const text = (s: string) => Buffer.from(s, 'utf8');
const good = HEAD + row(1, '1') + row(2, '3');
const ts: CsvOptions = { timestamp: 'time', labels: ['label'] };

export const CSV_CASES: CsvCase[] = [
  { name: 'a good file (reference)', file: 'x.csv', bytes: text(good), opts: ts },
  { name: 'empty file', file: 'x.csv', bytes: text(''), opts: ts },
  { name: 'header only', file: 'x.csv', bytes: text(HEAD), opts: ts },
  { name: 'UTF-8 BOM', file: 'x.csv', bytes: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), text(good)]), opts: ts },
  { name: 'CRLF line ends', file: 'x.csv', bytes: text(good.replaceAll('\n', '\r\n')), opts: ts },
  { name: 'CR-only line ends', file: 'x.csv', bytes: text(good.replaceAll('\n', '\r')), opts: ts },
  { name: 'a row one field short', file: 'x.csv', bytes: text(HEAD + row(1, '1') + '2024-01-01 00:00:02,3,0\n'), opts: ts },
  { name: 'a row one field long', file: 'x.csv', bytes: text(HEAD + row(1, '1') + '2024-01-01 00:00:02,3,4,0,9\n'), opts: ts },
  { name: 'a quoted field holding the separator', file: 'x.csv', bytes: text(HEAD + row(1, '1') + '2024-01-01 00:00:02,"3,5",2,0\n'), opts: ts },
  { name: 'an unterminated quote', file: 'x.csv', bytes: text(HEAD + row(1, '1') + '2024-01-01 00:00:02,"3,2,0\n'), opts: ts },
  { name: 'a NaN cell', file: 'x.csv', bytes: text(HEAD + row(1, '1') + row(2, 'NaN')), opts: ts },
  { name: 'an inf cell', file: 'x.csv', bytes: text(HEAD + row(1, '1') + row(2, 'inf')), opts: ts },
  { name: 'a hexadecimal cell (0x10)', file: 'x.csv', bytes: text(HEAD + row(1, '1') + row(2, '0x10')), opts: ts },
  { name: 'an empty cell', file: 'x.csv', bytes: text(HEAD + row(1, '1') + row(2, '')), opts: ts },
  { name: 'an empty cell under --on-bad-value ffill', file: 'x.csv', bytes: text(HEAD + row(1, '1') + row(2, '')), opts: { ...ts, onBadValue: 'ffill' } },
  { name: 'a value beyond float32 (1e39)', file: 'x.csv', bytes: text(HEAD + row(1, '1') + row(2, '1e39')), opts: ts },
  { name: 'a 1 MB header line', file: 'x.csv', bytes: text('time,' + 'a'.repeat(1 << 20) + ',label\n' + row(1, '1')), opts: ts },
  { name: 'binary garbage', file: 'x.csv', bytes: Buffer.from(Array.from({ length: 256 }, (_, i) => (i * 37 + 11) % 256)), opts: ts },
  { name: 'a column name twice', file: 'x.csv', bytes: text('time,a,a,label\n' + row(1, '1')), opts: ts },
  { name: 'an empty column name', file: 'x.csv', bytes: text('time,a,,label\n' + row(1, '1')), opts: ts },
  { name: 'non-UTF-8 bytes in a cell', file: 'x.csv', bytes: Buffer.concat([text(HEAD + row(1, '1') + '2024-01-01 00:00:02,'), Buffer.from([0xff, 0xfe]), text(',2,0\n')]), opts: ts },
  { name: 'a .gz that is not gzip', file: 'x.csv.gz', bytes: text(good), opts: ts },
  { name: 'a truncated .gz', file: 'x.csv.gz', bytes: gzipSync(text(good.repeat(50))).subarray(0, 60), opts: ts },
  { name: 'a good .gz (reference)', file: 'x.csv.gz', bytes: gzipSync(text(good)), opts: ts },
  { name: 'the label column missing', file: 'x.csv', bytes: text('time,a,b\n2024-01-01 00:00:01,1,2\n'), opts: ts },
  { name: 'the timestamp column missing', file: 'x.csv', bytes: text('t,a,b,label\n' + row(1, '1')), opts: ts },
  { name: 'an unreadable timestamp', file: 'x.csv', bytes: text(HEAD + row(1, '1') + 'yesterday,3,2,0\n'), opts: ts },
  { name: 'timestamps out of order', file: 'x.csv', bytes: text(HEAD + row(2, '1') + row(1, '3')), opts: ts },
  { name: 'a label that is not a number', file: 'x.csv', bytes: text(HEAD + '2024-01-01 00:00:01,1,2,yes\n'), opts: ts },
];
