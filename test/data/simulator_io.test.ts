// The simulator on disk: the CSV read back by the reader equals the run's Series bit for bit
// (plain and gzipped), the sidecar lists the attacks and channels, and `vigil simulate` writes
// both and its output trains with `vigil train`.
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { readCsv } from '../../lib/data/csv';
import { plantCsvOptions, sidecarPath, simulatePlant, writePlantCsv, type PlantSidecar, type ScenarioSpec } from '../../lib/data/simulator';
import { vigil } from '../helpers/cli';
import { useTmpDir } from './tmp';

const SPECS: ScenarioSpec[] = [
  { id: 'spoof', kind: 'spoof-ramp', channel: 'AIT202', delta: 0.3, start: 1200, duration: 600 },
  { id: 'surge', kind: 'demand-shift', factor: 1.4, start: 2400, duration: 600 },
  { id: 'force', kind: 'force-actuator', channel: 'P401', value: 1, start: 4000, duration: 300 },
];

describe('plant simulator files', function () {
  this.timeout(120000);
  const tmp = useTmpDir();

  for (const name of ['plant.csv', 'plant.csv.gz']) {
    it(`${name}: read back with the reader, it is the run's Series exactly`, async () => {
      const run = simulatePlant({ hours: 1.5, seed: 4, attacks: SPECS, startTime: Date.UTC(2024, 2, 3, 23, 30) });
      const path = join(tmp.path, name);
      const side = writePlantCsv(path, run);
      assert.equal(side, sidecarPath(path));
      const back = await readCsv(path, plantCsvOptions());
      assert.deepEqual(back.columns, run.series.columns);
      assert.equal(back.rows, run.series.rows);
      assert.deepEqual(back.timestamps, run.series.timestamps);
      assert.deepEqual(back.labels, run.series.labels);
      let bad = -1;
      for (let i = 0; i < back.data.length && bad < 0; i++) if (back.data[i] !== run.series.data[i]) bad = i;
      assert.equal(bad, -1, bad < 0 ? '' : `value ${bad} (row ${Math.floor(bad / 18)}, ${run.series.columns[bad % 18]}): file ${back.data[bad]}, run ${run.series.data[bad]}`);
      assert.equal(back.labels!.reduce((s, v) => s + v, 0), 900);
    });
  }

  it('the sidecar names the CSV layout, the channels and each attack with rows and times', () => {
    const run = simulatePlant({ hours: 1.5, seed: 4, attacks: SPECS });
    const path = join(tmp.path, 'p.csv');
    writePlantCsv(path, run);
    const side = JSON.parse(readFileSync(`${path}.attacks.json`, 'utf8')) as PlantSidecar;
    assert.equal(side.format, 'vigil-sim');
    assert.deepEqual(side.csv, { file: 'p.csv', timestamp: 'timestamp', label: 'attack', rows: 5400, channels: run.series.columns });
    assert.deepEqual(side.channels.map((c) => c.name), run.series.columns);
    assert.ok(side.channels.every((c) => c.unit && c.description && c.normalRange.length === 2 && (c.kind === 'sensor' || c.kind === 'actuator')));
    assert.deepEqual(side.attacks.map((a) => [a.id, a.startRow, a.endRow, a.channels]), [['spoof', 1200, 1800, ['AIT202']], ['force', 4000, 4300, ['P401']]]);
    assert.equal(side.attacks[0].startTime, '2024-01-01 00:20:00');
    assert.deepEqual(side.benign.map((b) => [b.id, b.startRow, b.endRow, b.channels]), [['surge', 2400, 3000, []]]);
    assert.equal(side.setpoints['LIT101.H'], 900);
  });

  const run = (args: string[]) => vigil(args, tmp.path);

  it('vigil simulate writes the CSV and sidecar, and vigil train reads the CSV', () => {
    writeFileSync(join(tmp.path, 'specs.json'), JSON.stringify(SPECS));
    let r = run(['simulate', '--hours', '1.5', '--attacks', 'specs.json', '--seed', '4', '--out', 'plant.csv']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /wrote plant\.csv and plant\.csv\.attacks\.json: 2 attacks \(900 attack rows, 16\.7%\), 1 benign changes/);
    assert.match(r.out, /spoof\s+rows\s+1200-1800\s+AIT202/);
    assert.match(r.err, /5400 rows x 18 channels/);
    // The file is the API's run, byte for byte.
    const api = simulatePlant({ hours: 1.5, seed: 4, attacks: SPECS });
    writePlantCsv(join(tmp.path, 'api.csv'), api);
    assert.equal(readFileSync(join(tmp.path, 'plant.csv'), 'utf8'), readFileSync(join(tmp.path, 'api.csv'), 'utf8'));

    writeFileSync(join(tmp.path, 'small.json'), JSON.stringify({ window: 16, encoder: [16, 8], latent: 4, decoderDense: 8, decoder: [8, 16], bnMomentum: 0.1 }));
    r = run(['train', '--data', 'plant.csv', '--timestamp', 'timestamp', '--label', 'attack', '--rows', '0:1200', '--config', 'small.json', '--epochs', '1', '--stride', '8', '--out', 'm.vigil']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /1200 rows x 18 channels from plant\.csv/);
    assert.ok(existsSync(join(tmp.path, 'm.vigil')));
  });

  it('vigil simulate refuses bad arguments with one line and exit code 2', () => {
    let r = run(['simulate', '--hours', '2', '--out', 'x.csv']);
    assert.equal(r.code, 2);
    assert.match(r.err, /^vigil: simulate: the default attacks need at least 12 attacked hours/);
    r = run(['simulate', '--hours', '1']);
    assert.equal(r.code, 2);
    assert.match(r.err, /--out is required/);
    r = run(['simulate', '--attacks', 'nope.json', '--out', 'x.csv']);
    assert.equal(r.code, 2);
    assert.match(r.err, /--attacks nope\.json: not default, none or a readable JSON file/);
    assert.ok(!existsSync(join(tmp.path, 'x.csv')));
    r = run(['simulate', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.out, /--attack-from/);
  });
});
