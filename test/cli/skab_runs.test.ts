// A SKAB-layout folder through the CLI (issue 21): `--preset skab --data <folder>` trains on
// anomaly-free/ and scores the labelled runs pooled, for each model kind that reads windows of
// rows; a plain folder of runs and a glob read the same way with the generic preset.
import { strict as assert } from 'node:assert';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { useCliDir, type CliResult } from '../helpers/cli';

const CHANNELS = ['Accelerometer1RMS', 'Accelerometer2RMS', 'Current', 'Pressure', 'Temperature', 'Thermocouple', 'Voltage', 'Volume Flow RateRMS'];

/**
 * SKAB's layout: ';', datetime one a second, 8 sensors (smooth waves plus a deterministic
 * wobble), and in labelled runs anomaly/changepoint columns with a level shift on rows
 * [from, to) of channels 2 and 3.
 */
function skabCsv(rows: number, start: number, shift?: [number, number]): string {
  const lines = [`datetime;${CHANNELS.join(';')}${shift ? ';anomaly;changepoint' : ''}`];
  for (let r = 0; r < rows; r++) {
    const t = new Date(Date.UTC(2020, 2, 9, 10) + (start + r) * 1000).toISOString().slice(0, 19).replace('T', ' ');
    const bad = !!shift && r >= shift[0] && r < shift[1];
    const v = CHANNELS.map((_, c) => Math.sin((start + r) / (7 + c)) + 0.05 * Math.sin(r * 12.9898 + c * 78.233) + (bad && (c === 2 || c === 3) ? 2.5 : 0));
    lines.push([t, ...v.map((x) => x.toFixed(5)), ...(shift ? [bad ? '1.0' : '0.0', r === shift[0] ? '1.0' : '0.0'] : [])].join(';'));
  }
  return lines.join('\n') + '\n';
}

describe('vigil: a SKAB folder of runs, pooled', function () {
  this.timeout(300000);
  const work = useCliDir('vigil-skab-runs-');
  /** `vigil ...args --json`'s object; the command must succeed. */
  const report = (args: string[]): Record<string, any> => {
    const r: CliResult = work.run([...args, '--json']);
    assert.equal(r.code, 0, `vigil ${args[0]}: exit ${r.code}: ${r.err}`);
    return JSON.parse(r.out);
  };
  const runs: Array<[string, number, [number, number]]> = [
    ['valve1/0.csv', 160, [90, 120]],
    ['valve1/2.csv', 140, [40, 70]],
    ['valve1/10.csv', 150, [100, 130]],
  ];
  const total = runs.reduce((n, [, rows]) => n + rows, 0);
  before(() => {
    mkdirSync(join(work.path, 'skab', 'anomaly-free'), { recursive: true });
    mkdirSync(join(work.path, 'skab', 'valve1'));
    writeFileSync(join(work.path, 'skab', 'anomaly-free', 'anomaly-free.csv'), skabCsv(600, 0));
    runs.forEach(([name, rows, shift], k) => writeFileSync(join(work.path, 'skab', name), skabCsv(rows, 1000 * (k + 1), shift)));
    writeFileSync(join(work.path, 'small.json'), JSON.stringify({ window: 8, encoder: [16, 8], latent: 4, decoderDense: 8, decoder: [8, 16], bnMomentum: 0.1 }));
  });

  // [kind, train flags, rows per window]
  const kinds: Array<[string, string[], number]> = [
    ['lstm-ae', ['--config', 'small.json', '--epochs', '3'], 8],
    ['dc-vae', ['--window', '8', '--epochs', '2'], 8],
    ['pca', ['--window', '4'], 4],
    ['iforest', ['--window', '5', '--seed', '2'], 5],
  ];
  for (const [kind, flags, context] of kinds) {
    it(`${kind}: trains on anomaly-free/, scores and evaluates the ${runs.length} runs pooled`, () => {
      const skab = ['--preset', 'skab', '--data', 'skab'];
      report(['train', '--model', kind, ...skab, ...flags, '--out', `${kind}.vigil`]);
      const d = work.run(['detect', '--model', `${kind}.vigil`, ...skab, '--out', `${kind}.csv`]);
      assert.equal(d.code, 0, d.err);
      assert.match(d.out + d.err, new RegExp(`3 runs pooled, ${total} rows: valve1/0\\.csv \\(160 rows\\), valve1/2\\.csv \\(140 rows\\), valve1/10\\.csv \\(150 rows\\)`));
      // Each run is scored on its own: its first context - 1 rows have no score, and its scores
      // are those of its file scored alone.
      assert.match(d.out + d.err, new RegExp(`each run is scored on its own \\(its first ${context - 1} rows have no score\\)`));
      const column = (csv: string) => readFileSync(join(work.path, csv), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[2]);
      const pooled = column(`${kind}.csv`);
      assert.equal(pooled.length, total);
      let start = 0;
      for (const [, rows] of runs) {
        const part = pooled.slice(start, start + rows);
        assert.ok(part.slice(0, context - 1).every((v) => v === ''), `a run's first ${context - 1} rows have no score`);
        assert.ok(part.slice(context - 1).every((v) => v !== ''), 'the rest of the run is scored');
        start += rows;
      }
      const alone = work.run(['detect', '--model', `${kind}.vigil`, '--data', 'skab/valve1/2.csv', '--timestamp', 'datetime', '--label', 'anomaly', '--exclude', 'changepoint', '--out', `${kind}_2.csv`]);
      assert.equal(alone.code, 0, alone.err);
      assert.deepEqual(pooled.slice(runs[0][1], runs[0][1] + runs[1][1]), column(`${kind}_2.csv`));
      const e = report(['evaluate', '--model', `${kind}.vigil`, ...skab]);
      // The shifts are plain (2.5 on two channels): every kind ranks them above chance
      // (measured: lstm-ae, dc-vae and pca above 0.6, iforest on 5-row windows 0.57).
      assert.ok(e[kind].thresholdFree.aucRoc > 0.55, `${kind} AUC-ROC ${e[kind].thresholdFree.aucRoc}`);
    });
  }

  it('dc-vae with per-channel alphas: calibrate, detect and evaluate on the pooled runs, run by run', () => {
    const skab = ['--preset', 'skab', '--data', 'skab'];
    const c = work.run(['calibrate', '--model', 'dc-vae.vigil', ...skab, '--method', 'alpha', '--fraction', '0.01', '--out', 'alpha.vigil']);
    assert.equal(c.code, 0, c.err);
    const d = work.run(['detect', '--model', 'alpha.vigil', ...skab, '--out', 'alpha.csv']);
    assert.equal(d.code, 0, d.err);
    const flags = readFileSync(join(work.path, 'alpha.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[3]);
    let start = 0;
    for (const [, rows] of runs) {
      assert.ok(flags.slice(start, start + 7).every((v) => v === '') && flags.slice(start + 7, start + rows).every((v) => v !== ''), 'per run: 7 rows without a decision, then one a row');
      start += rows;
    }
    // The alpha column's flags are the Detector's (the rule's threshold 1 over the same rows).
    const e = report(['evaluate', '--model', 'alpha.vigil', ...skab]);
    const alpha = Object.entries(e).find(([name]) => /alpha/.test(name));
    assert.ok(alpha, `an alpha column in ${Object.keys(e).join(', ')}`);
    const flagged = flags.filter((v) => v === '1').length;
    const point = (alpha![1] as { point: { tp: number; fp: number } }).point;
    assert.equal(point.tp + point.fp, flagged, 'evaluate flags the rows detect flags');
  });

  it('reads a plain folder of runs and a glob with the generic preset', () => {
    const generic = ['--timestamp', 'datetime', '--label', 'anomaly', '--exclude', 'changepoint'];
    const all = report(['evaluate', '--model', 'pca.vigil', '--data', 'skab/valve1', ...generic]);
    const pooled = report(['evaluate', '--model', 'pca.vigil', '--preset', 'skab', '--data', 'skab']);
    assert.deepEqual(all.pca.thresholdFree, pooled.pca.thresholdFree, 'the same rows, the same scores');
    const d = work.run(['detect', '--model', 'pca.vigil', '--data', 'skab/valve1/1*.csv', ...generic, '--out', 'glob.csv']);
    assert.equal(d.code, 0, d.err);
    assert.match(d.out + d.err, /1 runs pooled, 150 rows: 10\.csv/);
    const missing = work.run(['detect', '--model', 'pca.vigil', '--data', 'skab/valve1/x*.csv', ...generic, '--out', 'none.csv']);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /skab\/valve1\/x\*\.csv: the glob matches no file/);
  });
});
