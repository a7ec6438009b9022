// The bundle remembers train's data flags (tools/cli/remember.ts): calibrate, detect and
// evaluate read later data as train read it without --timestamp or --label, and give the same
// results as with them; a flag given wins; a remembered column the file lacks is left out.
import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { loadBundle } from '../../lib/io/bundle';
import { dataFlags, useCliDir, writeTrainTest } from '../helpers/cli';

describe('vigil: the bundle remembers the data flags', function () {
  this.timeout(180000);
  const work = useCliDir('vigil-remember-');
  const read = (f: string) => readFileSync(join(work.path, f), 'utf8');
  before(() => {
    writeTrainTest(work.path, 600, 400);
    writeFileSync(join(work.path, 'small.json'), JSON.stringify({ window: 16, encoder: [8], latent: 4, decoderDense: 8, decoder: [8], bnMomentum: 0.1 }));
    const r = work.run(['train', ...dataFlags('train.csv'), '--config', 'small.json', '--epochs', '2', '--out', 'm.vigil']);
    assert.equal(r.code, 0, r.err);
  });

  it('train keeps --timestamp and --label in the training section, and only the flags given', () => {
    const t = loadBundle(join(work.path, 'm.vigil')).sections.training;
    assert.deepEqual(t.dataFlags, { timestamp: 'time', label: 'attack' });
    assert.equal(t.preset, 'generic');
  });

  it('detect without --timestamp and --label writes the same scores as with them, and says where they came from', () => {
    let r = work.run(['detect', '--model', 'm.vigil', ...dataFlags('test.csv'), '--out', 'given.csv']);
    assert.equal(r.code, 0, r.err);
    assert.doesNotMatch(r.err, /note: reading the data as/, 'nothing taken from the bundle when every flag is given');
    r = work.run(['detect', '--model', 'm.vigil', '--data', 'test.csv', '--out', 'remembered.csv']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /note: reading the data as m\.vigil was trained: --timestamp time --label attack \(a flag given here overrides\)/);
    assert.equal(read('remembered.csv'), read('given.csv'));
    assert.match(read('remembered.csv').split('\n')[1], /^0,2024-01-01T00:10:00\.000Z,/, 'the times are read from the remembered timestamp column');
  });

  it('evaluate and calibrate without them give the same report and threshold', () => {
    const a = work.run(['evaluate', '--model', 'm.vigil', ...dataFlags('test.csv'), '--json']);
    const b = work.run(['evaluate', '--model', 'm.vigil', '--data', 'test.csv', '--json']);
    assert.equal(a.code, 0, a.err);
    assert.equal(b.code, 0, b.err);
    assert.deepEqual(JSON.parse(b.out), JSON.parse(a.out));
    const c = work.run(['calibrate', '--model', 'm.vigil', ...dataFlags('train.csv'), '--method', 'quantile', '--q', '0.99', '--out', 'c1.vigil', '--json']);
    const d = work.run(['calibrate', '--model', 'm.vigil', '--data', 'train.csv', '--method', 'quantile', '--q', '0.99', '--out', 'c2.vigil', '--json']);
    assert.equal(c.code, 0, c.err);
    assert.equal(d.code, 0, d.err);
    assert.deepEqual(JSON.parse(d.out).value, JSON.parse(c.out).value);
  });

  it('scores a file without the label column (new data): the remembered label is left out', () => {
    const lines = read('test.csv').trim().split('\n').map((l) => l.split(',').slice(0, -1).join(','));
    writeFileSync(join(work.path, 'unlabelled.csv'), lines.join('\n') + '\n');
    const r = work.run(['detect', '--model', 'm.vigil', '--data', 'unlabelled.csv', '--out', 'unlabelled_scores.csv']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /was trained: --timestamp time \(/);
    assert.equal(read('unlabelled_scores.csv'), read('given.csv'));
  });

  it('a flag given overrides the remembered one', () => {
    // With --label a (a channel), the file's attack column becomes a feature the schema lacks.
    const r = work.run(['detect', '--model', 'm.vigil', '--data', 'test.csv', '--label', 'a', '--out', 'x.csv']);
    assert.equal(r.code, 1);
    assert.match(r.err, /columns do not match the model's schema: missing "a"; unexpected "attack"/);
  });
});
