// A bundle that passes its checksum can still be wrong: each mutant below is re-signed (saved
// through saveBundle, so its checksum matches) and must be refused at load with an error naming
// what is wrong, fast and without allocating what its config claims; a bundle whose weights
// overflow must stop scoring with an error instead of writing empty or NaN scores, and `vigil
// detect` must then leave no output file.
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import '../../models';
import { Detector } from '../../lib/detect/detector';
import { loadDetector } from '../../lib/detect/detector_bundle';
import { loadBundle, saveBundle, type LoadedBundle } from '../../lib/io/bundle';
import { scoreSeries } from '../../lib/pipeline/score';
import { makeBundle, series, writeCsv } from '../detect/detector_fixture';
import { vigil } from '../helpers/cli';

describe('reliability: bundle content checks', function () {
  this.timeout(120000);
  let dir: string;
  let good: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-bundle-content-'));
    good = makeBundle(dir, 'lstm-ae');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** The good bundle changed by `edit` and re-signed, at a new path. */
  function mutant(name: string, edit: (b: LoadedBundle) => void): string {
    const b = loadBundle(good);
    edit(b);
    const path = join(dir, `${name}.vigil`);
    saveBundle(path, { kind: b.kind, config: b.config, sections: b.sections, tensors: b.tensors });
    return path;
  }
  const firstTensor = (b: LoadedBundle) => [...b.tensors.entries()][0];

  const REFUSED: [string, (b: LoadedBundle) => void, RegExp][] = [
    ['a NaN weight', (b) => (firstTensor(b)[1].data[3] = NaN), /tensor "[\w.]+" \[[\d, ]+\] holds NaN at element 3/],
    ['an infinite weight', (b) => (firstTensor(b)[1].data[0] = -Infinity), /holds -Infinity at element 0/],
    ['a threshold of null', (b) => (b.sections.threshold = null), /no "threshold" section/],
    ['a threshold value of null', (b) => (b.sections.threshold.value = null), /threshold\.value must be a finite number, not null/],
    ['a threshold of "abc"', (b) => (b.sections.threshold = 'abc'), /threshold must be an object \{ value, method, params \}, not "abc"/],
    ['a threshold of {}', (b) => (b.sections.threshold = {}), /threshold\.value must be a finite number, not undefined/],
    ['an unknown threshold method', (b) => (b.sections.threshold.method = 'magic'), /threshold\.method must be one of .*, not "magic"/],
    ['a pcaThreshold of Infinity', (b) => (b.sections.pcaThreshold = { value: 1e999, method: 'pot', params: {} }), /pcaThreshold\.value must be a finite number, not null/],
    ['windows.length 1e7', (b) => (b.sections.windows.length = 1e7), /windows\.length 10000000 is not the model's window \d+/],
    ['a stride of 0', (b) => (b.sections.windows.stride = 0), /windows must be \{ length, stride \} of positive integers/],
    ['a scaler one channel short', (b) => b.sections.scaler.center.pop(), /scaler: scaler JSON needs columns, center and scale of the same length/],
    ['a zero scale', (b) => (b.sections.scaler.scale[1] = 0), /scaler: .*zero\/non-finite scale/],
    ['a schema column twice', (b) => (b.sections.schema.columns[1] = b.sections.schema.columns[0]), /schema\.columns has a name twice/],
    ['a schema of numbers', (b) => (b.sections.schema.columns = [1, 2, 3, 4]), /schema must be \{ columns: \[one or more names\] \}/],
  ];
  for (const [what, edit, why] of REFUSED)
    it(`refuses ${what}, naming the bundle and the problem`, () => {
      const path = mutant(what.replace(/\W+/g, '-'), edit);
      assert.throws(() => loadDetector(path), (e: Error) => e.message.startsWith(`model bundle ${path}: `) && why.test(e.message), `${what}`);
    });

  it('a config asking for huge layers is refused before it allocates them (fast, memory flat)', () => {
    const path = mutant('huge-config', (b) => (b.config.encoder = [8192, ...b.config.encoder.slice(1)]));
    const rss = process.memoryUsage().rss;
    const t0 = Date.now();
    assert.throws(() => loadDetector(path), /the config of kind "lstm-ae" asks for far more memory than the \d+ bytes of weights stored with it/);
    assert.ok(Date.now() - t0 < 5000, `${Date.now() - t0} ms`);
    assert.ok(process.memoryUsage().rss - rss < 200 << 20, 'no gigabyte allocation');
  });

  it('weights that overflow: scoring stops with an error naming the row; `vigil detect` exits non-zero and writes no file', async () => {
    const path = mutant('overflow', (b) => {
      for (const t of b.tensors.values()) t.data.fill(3e38);
    });
    const det = loadDetector(path); // finite weights: loads
    const s = series(60);
    assert.throws(() => scoreSeries(det, s), /the score at row 11 \(0-based\) is (NaN|Infinity|-Infinity): the model produced a non-finite value/);
    det.model.dispose();
    const live = await Detector.load(path);
    await assert.rejects(live.scoreBatch(Array.from({ length: 30 }, (_, r) => Array.from(s.data.subarray(r * 4, r * 4 + 4)))), /produced a non-finite value/);
    await live.dispose();
    const csv = join(dir, 'rows.csv');
    writeCsv(csv, s);
    const out = join(dir, 'scores.csv');
    const r = vigil(['detect', '--model', path, '--data', csv, '--timestamp', 'time', '--out', out], dir);
    assert.notEqual(r.code, 0);
    assert.match(r.err, /non-finite value/);
    assert.ok(!existsSync(out), 'no scores file from a failed run');
  });
});
