// Exit codes of every command, as docs/cli.md states them: a usage error (an unknown flag, a
// flag without its value, a value that is not a number or out of the flag's range) is one line
// on stderr and exit 2; a failure while running (bad data, a file that is no bundle) exit 1.
// The usage cases run main() in-process (they fail before any work); the failures run bin/vigil.js.
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { dataFlags, useCliDir, writeTrainTest } from '../helpers/cli';
import { vigilInProcess as cli } from '../helpers/cli_inprocess';

/** Each command with the flags it needs to get as far as parsing a number, and a number flag it has. */
const COMMANDS: [string, string[], string][] = [
  ['train', ['--data', 'train.csv', '--out', 'x.vigil'], '--epochs'],
  ['calibrate', ['--model', 'm.vigil', '--data', 'train.csv'], '--q'],
  ['detect', ['--model', 'm.vigil', '--data', 'test.csv', '--out', 'x.csv'], '--top'],
  ['evaluate', ['--model', 'm.vigil', '--data', 'test.csv'], '--vus-window'],
  ['export', ['--model', 'm.vigil', '--out', 'x.onnx'], ''],
  ['simulate', ['--out', 'x.csv'], '--hours'],
  ['demo', ['--quick'], '--epochs'],
  ['info', [], ''],
  ['models', [], '--channels'],
];

describe('vigil exit codes: usage errors 2, failures 1', function () {
  this.timeout(120000);
  const work = useCliDir('vigil-exit-');
  let cwd = '';
  before(() => {
    writeTrainTest(work.path, 400, 200);
    cwd = process.cwd();
    process.chdir(work.path);
  });
  after(() => process.chdir(cwd));

  it('an unknown flag, a flag without a value and a value that is no number exit 2 with one line, for every command', async () => {
    for (const [cmd, needs, numberFlag] of COMMANDS) {
      const cases: [string[], RegExp][] = [
        [[cmd, ...needs, '--bogus'], new RegExp(`^vigil: ${cmd}: unknown option --bogus \\(see vigil ${cmd} --help\\)$`)],
        [[cmd, '--help', '--bogus2'], /unknown option --bogus2/], // --help does not skip the check
      ];
      if (numberFlag) {
        cases.push([[cmd, ...needs, numberFlag], new RegExp(`^vigil: ${cmd}: ${numberFlag} needs a value$`)]);
        cases.push([[cmd, ...needs, numberFlag, 'many'], new RegExp(`^vigil: ${cmd}: ${numberFlag} must be a number, got "many"$`)]);
        cases.push([[cmd, ...needs, `${numberFlag}=`], new RegExp(`${numberFlag} must be a number, got ""`)]);
      }
      for (const [args, msg] of cases) {
        const r = await cli(args);
        assert.equal(r.code, 2, `${args.join(' ')}: exit ${r.code} ${r.err}`);
        assert.match(r.err, msg, args.join(' '));
        assert.equal(r.err.split('\n').length, 1, `one line: ${r.err}`);
      }
    }
  });

  it('a number out of its flag\'s range is a usage error naming the flag and the range', async () => {
    for (const [args, msg] of [
      [['train', ...dataFlags('train.csv'), '--out', 'x.vigil', '--epochs', '0'], /^vigil: train: --epochs must be a whole number >= 1, got 0$/],
      [['train', ...dataFlags('train.csv'), '--out', 'x.vigil', '--stride', '2.5'], /--stride must be a whole number >= 1, got 2\.5/],
      [['train', ...dataFlags('train.csv'), '--out', 'x.vigil', '--validation', '1'], /--validation must be a number > 0 and < 1, got 1/],
      [['train', ...dataFlags('train.csv'), '--out', 'x.vigil', '--lr', '-1e-3'], /--lr must be a number > 0, got -1e-3/],
      [['train', ...dataFlags('train.csv'), '--out', 'x.vigil', '--batch-size', '0'], /--batch-size must be a whole number >= 1/],
      [['calibrate', '--model', 'm.vigil', '--data', 'train.csv', '--method', 'quantile', '--q', '1.5'], /^vigil: calibrate: --q must be a number >= 0 and <= 1, got 1\.5$/],
      [['calibrate', '--model', 'm.vigil', '--data', 'train.csv', '--risk', '0'], /--risk must be a number > 0 and < 1, got 0/],
      [['detect', '--model', 'm.vigil', '--data', 'test.csv', '--out', 'x.csv', '--top', '-1'], /--top must be a whole number >= 0, got -1/],
      [['evaluate', '--model', 'm.vigil', '--data', 'test.csv', '--vus-window', '0'], /--vus-window must be a whole number >= 1/],
      [['simulate', '--out', 'x.csv', '--sample', '0.5'], /--sample must be a whole number >= 1, got 0\.5/],
      [['models', '--channels', '0'], /--channels must be a whole number >= 1, got 0/],
    ] as [string[], RegExp][]) {
      const r = await cli(args);
      assert.equal(r.code, 2, `${args.join(' ')}: exit ${r.code} ${r.err}`);
      assert.match(r.err, msg);
    }
  });

  it('failures while running exit 1 with the command named', async () => {
    writeFileSync('not_a_bundle.vigil', 'hello');
    writeFileSync('bad_cell.csv', 'time,a,b\n2024-01-01 00:00:00,1,2\n2024-01-01 00:00:01,x,2\n');
    for (const [args, msg] of [
      [['detect', '--model', 'not_a_bundle.vigil', '--data', 'test.csv', '--out', 'x.csv'], /^vigil detect: model bundle not_a_bundle\.vigil: /],
      [['detect', '--model', 'nothing.vigil', '--data', 'test.csv', '--out', 'x.csv'], /^vigil detect: .*\(--model nothing\.vigil: no such file; vigil train \.\.\. --out nothing\.vigil writes one\)$/],
      [['train', '--data', 'bad_cell.csv', '--timestamp', 'time', '--out', 'x.vigil'], /^vigil train: bad_cell\.csv line 3, column "a": /],
    ] as [string[], RegExp][]) {
      const r = await cli(args);
      assert.equal(r.code, 1, `${args.join(' ')}: exit ${r.code} ${r.err}`);
      assert.match(r.err, msg);
    }
  });
});
