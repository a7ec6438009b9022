// Input-file edges that used to give wrong or unreadable results: a .gz that is not gzip (the
// error must name the file), a huge or binary header echoed into an error (capped and escaped),
// CR-only line ends (read like LF), and hexadecimal labels (refused, not read as 16).
import { strict as assert } from 'node:assert';
import { gzipSync } from 'node:zlib';
import { writeFileSync } from 'node:fs';

import { readCsv } from '../../lib/data/csv';
import { DataError, shown } from '../../lib/data/errors';
import { rejection, useTmpDir } from './tmp';

describe('data: input edges', () => {
  const tmp = useTmpDir();

  it('a .gz file that is not gzip: a DataError naming the file', async () => {
    const p = tmp.file('bad.csv.gz', '');
    writeFileSync(p, Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0x00]), Buffer.from('garbage, not deflate')]));
    const e = await rejection(readCsv(p));
    assert.ok(e instanceof DataError, String(e));
    assert.match(e.message, new RegExp(`^${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not a valid gzip file \\(`));
    const good = tmp.file('good.csv.gz', '');
    writeFileSync(good, gzipSync('a,b\n1,2\n3,4\n'));
    assert.equal((await readCsv(good)).rows, 2);
  });

  it('a 1 MB header with a duplicate name: the error quotes at most 80 characters and says the length', async () => {
    const name = 'h'.repeat(1 << 20);
    const p = tmp.file('wide.csv', `${name},${name}\n1,2\n`);
    const e = await rejection(readCsv(p));
    assert.ok(e instanceof DataError);
    assert.ok(e.message.length < 400, `message of ${e.message.length} characters`);
    assert.match(e.message, /duplicate column name "h{80}… \(1048576 characters\)" \(fields 1 and 2\)/);
  });

  it('binary garbage in a header reaches the message escaped, never as raw control bytes', async () => {
    const p = tmp.file('bin.csv', 'a\u0007\u001b[31m,a\u0007\u001b[31m\n1,2\n');
    const e = await rejection(readCsv(p));
    assert.doesNotMatch(e.message, /[\u0000-\u0008\u000b-\u001f\u007f]/);
    assert.match(e.message, /duplicate column name "a\\x07\\x1b\[31m"/);
    assert.equal(shown('a\tb\nc\u200bd\ufeff'), 'a\\tb\\nc\\u200bd\\ufeff');
  });

  it('CR-only line ends are read as line ends, the same rows as LF and CRLF', async () => {
    const body = ['t,a,b', '1,1.5,2', '2,3,4.25', '3,5,6'];
    const read = async (name: string, end: string) => {
      const s = await readCsv(tmp.file(name, body.join(end) + end), { timestamp: 't' });
      return { rows: s.rows, columns: s.columns, data: Array.from(s.data) };
    };
    const lf = await read('lf.csv', '\n');
    assert.equal(lf.rows, 3);
    assert.deepEqual(await read('cr.csv', '\r'), lf);
    assert.deepEqual(await read('crlf.csv', '\r\n'), lf);
  });

  it('a hexadecimal label is refused, not read as anomalous', async () => {
    const p = tmp.file('labels.csv', 'a,label\n1,0\n2,0x1\n');
    const e = await rejection(readCsv(p, { labels: ['label'] }));
    assert.match(e.message, /line 3, column "label": label "0x1" is neither a number nor Normal\/Attack/);
  });
});
