// BATADAL's competition test file has no ATT_FLAG (issue 21): `detect --preset batadal` scores
// it as it is, and `evaluate` takes its labels from a full-labels file with --labels.
import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { useCliDir } from '../helpers/cli';

const NAMES = [...Array.from({ length: 7 }, (_, k) => `L_T${k + 1}`), ...Array.from({ length: 36 }, (_, k) => `P_J${k + 1}`)];
const hour = (h: number) => {
  const d = new Date(Date.UTC(2016, 0, 1) + h * 3600e3);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${p(d.getUTCMonth() + 1)}/${String(d.getUTCFullYear()).slice(2)} ${p(d.getUTCHours())}`;
};
/** Hourly rows of 43 daily waves from hour `start`; rows in `attack` get +3 on the first five channels. */
const rows = (n: number, start: number, attack: (r: number) => boolean = () => false) =>
  Array.from({ length: n }, (_, r) => [hour(start + r), ...NAMES.map((_, c) => (Math.sin((2 * Math.PI * (start + r)) / 24 + c) + 0.02 * Math.sin(r * 7.1 + c) + (attack(r) && c < 5 ? 3 : 0)).toFixed(4))].join(','));

describe('vigil: BATADAL test file without ATT_FLAG', function () {
  this.timeout(120000);
  const work = useCliDir('vigil-batadal-');
  const attack = (r: number) => r >= 60 && r < 80;

  it('detect scores it; evaluate reads the labels from --labels with the batadal preset', () => {
    writeFileSync(join(work.path, 'train.csv'), [`DATETIME,${NAMES.join(',')},ATT_FLAG`, ...rows(400, 0).map((l) => `${l},0`)].join('\n') + '\n');
    writeFileSync(join(work.path, 'test.csv'), [`DATETIME,${NAMES.join(',')}`, ...rows(150, 1000, attack)].join('\n') + '\n');
    const labels = Array.from({ length: 150 }, (_, r) => `${hour(1000 + r)},${attack(r) ? 1 : 0},${attack(r) ? 1 : 0},-999`);
    writeFileSync(join(work.path, 'labels.csv'), ['DATETIME,ATT_FLAG,ATTACK_ID,ATT_FLAG_ORIGINAL_PARTIAL', ...labels].join('\n') + '\n');
    const b = ['--preset', 'batadal'];
    let r = work.run(['train', '--model', 'pca', ...b, '--data', 'train.csv', '--window', '4', '--out', 'b.vigil']);
    assert.equal(r.code, 0, r.err);
    r = work.run(['detect', '--model', 'b.vigil', ...b, '--data', 'test.csv', '--out', 's.csv']);
    assert.equal(r.code, 0, r.err);
    assert.equal(readFileSync(join(work.path, 's.csv'), 'utf8').trim().split('\n').length, 151);
    r = work.run(['evaluate', '--model', 'b.vigil', ...b, '--data', 'test.csv', '--json']);
    assert.equal(r.code, 2, 'no labels: evaluate refuses (a usage error)');
    assert.match(r.err, /label/i);
    r = work.run(['evaluate', '--model', 'b.vigil', ...b, '--data', 'test.csv', '--labels', 'labels.csv', '--json']);
    assert.equal(r.code, 0, r.err);
    const rep = JSON.parse(r.out);
    assert.ok(rep.pca.thresholdFree.aucRoc > 0.9, `the +3 attack ranks first: AUC-ROC ${rep.pca.thresholdFree.aucRoc}`);
  });
});
