// The CLI end to end on generated CSV files: train -> calibrate -> detect -> evaluate, the
// bundle scoring identically after reload, --help everywhere, and one-line errors with a
// non-zero exit for wrong arguments.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { syntheticSeries } from '../../lib/data/synthetic';

const BIN = join(__dirname, '..', '..', 'bin', 'vigil.js');

function vigil(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function writeCsv(path: string, rows: number, faults: boolean, start: number): void {
  const s = syntheticSeries(rows, 4, { plantSeed: 3, noiseSeed: faults ? 5 : 4, start, faults });
  const lines = ['time,a,b,c,d,attack'];
  for (let r = 0; r < rows; r++) {
    const t = new Date(Date.UTC(2024, 0, 1) + (start + r) * 1000).toISOString().slice(0, 19).replace('T', ' ');
    lines.push([t, ...Array.from(s.data.subarray(r * 4, r * 4 + 4), (v) => v.toFixed(5)), s.labels[r]].join(','));
  }
  writeFileSync(path, lines.join('\n') + '\n');
}

describe('vigil CLI', function () {
  this.timeout(180000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-cli-'));
    writeCsv(join(dir, 'train.csv'), 1200, false, 0);
    writeCsv(join(dir, 'test.csv'), 800, true, 1200);
    writeFileSync(join(dir, 'small.json'), JSON.stringify({ window: 16, encoder: [16, 8], latent: 4, decoderDense: 8, decoder: [8, 16], bnMomentum: 0.1 }));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const data = (f: string) => ['--data', f, '--timestamp', 'time', '--label', 'attack'];

  it('train -> calibrate -> detect -> evaluate on generated data', () => {
    let r = vigil(['train', ...data('train.csv'), '--config', 'small.json', '--epochs', '12', '--lr', '3e-3', '--out', 'm.vigil', '--log', 'm.jsonl'], dir);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /saved m\.vigil: best validation loss [\d.]+ \(epoch \d+\); threshold [\d.e+-]+ \(pot on \d+ validation scores\)/);
    assert.equal(readFileSync(join(dir, 'm.jsonl'), 'utf8').trim().split('\n').length, 12);

    r = vigil(['calibrate', '--model', 'm.vigil', ...data('train.csv'), '--method', 'quantile', '--q', '0.99'], dir);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /threshold [\d.]+ \(quantile on 1185 scores/);

    r = vigil(['detect', '--model', 'm.vigil', ...data('test.csv'), '--out', 'scores.csv', '--top', '2'], dir);
    assert.equal(r.code, 0, r.err);
    const lines = readFileSync(join(dir, 'scores.csv'), 'utf8').trim().split('\n');
    assert.equal(lines.length, 801);
    assert.equal(lines[0], 'row,time,score,flag,top_channels');
    assert.match(lines[1], /^0,2024-01-01T00:20:00.000Z,,,$/); // no full window yet
    assert.match(lines[16], /^15,2024-01-01T00:20:15.000Z,[\d.e-]+,[01],[abcd];[abcd]$/); // first full window

    r = vigil(['evaluate', '--scores', 'scores.csv', '--model', 'm.vigil', ...data('test.csv'), '--json'], dir);
    assert.equal(r.code, 0, r.err);
    const rep = JSON.parse(r.out);
    assert.deepEqual(Object.keys(rep), ['lstm-ae', 'random', 'PCA']);
    assert.equal(rep['lstm-ae'].thresholdFree.vusWindow, 100);
    assert.equal(rep['lstm-ae'].threshold.method, 'quantile');
    // The injected faults are found better than by chance (measured: AUC-ROC 0.63, AUC-PR 0.56 vs 0.32).
    assert.ok(rep['lstm-ae'].thresholdFree.aucRoc > 0.55, `AUC-ROC ${rep['lstm-ae'].thresholdFree.aucRoc}`);
    assert.ok(rep['lstm-ae'].thresholdFree.aucPr > rep.random.thresholdFree.aucPr, 'AUC-PR above the random score');
    assert.ok('pointAdjusted' in rep['lstm-ae'].diagnostic);
  });

  it('scores identically from scores.csv and from a reloaded bundle', () => {
    const a = vigil(['evaluate', '--scores', 'scores.csv', '--model', 'm.vigil', ...data('test.csv'), '--json'], dir);
    const b = vigil(['evaluate', '--model', 'm.vigil', ...data('test.csv'), '--json'], dir);
    assert.equal(a.code, 0, a.err);
    assert.equal(b.code, 0, b.err);
    assert.deepEqual(JSON.parse(a.out)['lstm-ae'].thresholdFree, JSON.parse(b.out)['lstm-ae'].thresholdFree);
  });

  it('refuses data whose columns differ from the training schema, naming them', () => {
    writeFileSync(join(dir, 'other.csv'), readFileSync(join(dir, 'test.csv'), 'utf8').replace('time,a,b,c,d', 'time,a,c,b,d'));
    const r = vigil(['detect', '--model', 'm.vigil', ...data('other.csv'), '--out', 'x.csv'], dir);
    assert.equal(r.code, 1);
    assert.match(r.err, /reordered/);
    assert.match(r.err, /\bb\b/);
  });

  it('--help works for every command; bad arguments give one line and a non-zero exit', () => {
    for (const cmd of ['train', 'calibrate', 'detect', 'evaluate', 'demo']) {
      const r = vigil([cmd, '--help'], dir);
      assert.equal(r.code, 0, `${cmd} --help: ${r.err}`);
      assert.match(r.out, new RegExp(`^vigil ${cmd} — `));
    }
    for (const [args, msg] of [
      [['train', '--bogus'], /unknown option --bogus/],
      [['train', '--data', 'train.csv'], /--out is required/],
      [['detect', '--model'], /--model needs a value/],
      [['train', '--epochs', 'many', '--out', 'x'], /--epochs must be a number/],
      [['nope'], /unknown command "nope"/],
      [['detect', '--model', 'missing.vigil', '--data', 'test.csv', '--out', 'x.csv'], /cannot read: ENOENT/],
    ] as [string[], RegExp][]) {
      const r = vigil(args, dir);
      assert.notEqual(r.code, 0, args.join(' '));
      assert.match(r.err, msg);
      assert.equal(r.err.trim().split('\n').length, 1, `one line: ${r.err}`);
    }
  });
});
