// Error hints in CLI words (tools/cli/hints.ts): lib's errors name API options (`onBadValue`,
// `include`); the CLI says which flag to give instead.
import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';

import { DataError, SchemaError } from '../../lib/data/errors';
import { cliMessage } from '../../tools/cli/hints';
import { useCliDir, writeTrainTest } from '../helpers/cli';
import { vigilInProcess as cli } from '../helpers/cli_inprocess';

const BAD = "(onBadValue is 'error'; 'ffill' would copy the previous row's value)";
const cell = (found: string) => new DataError(`text in a numeric column ("${found}") ${BAD}`, { file: 'x.csv', row: 2, column: 'when', found });

describe('vigil error hints name flags', function () {
  this.timeout(120000);

  it('a text cell: --timestamp when it reads as a time, --label when it reads as a label, else --on-bad-value', () => {
    assert.equal(cliMessage(cell('2024-01-01 00:00:00')), 'x.csv line 2, column "when": text in a numeric column ("2024-01-01 00:00:00") (it reads as a time: name the timestamp column with --timestamp when)');
    assert.match(cliMessage(cell('Attack')), /\(it reads as a label: name the label column with --label when\)$/);
    assert.match(cliMessage(cell('n/a')), /\("n\/a"\) \(--on-bad-value ffill would copy the previous row's value\)$/);
    for (const found of ['2024-01-01 00:00:00', 'Attack', 'n/a']) assert.doesNotMatch(cliMessage(cell(found)), /onBadValue|'ffill'/);
  });

  it('a schema mismatch: --exclude for extra columns, no `include`', () => {
    const extra = new SchemaError("columns do not match the model's schema: unexpected \"attack\" (read the data with `include` set to the schema's columns to select and order them)", 'x.csv', { missing: [], unexpected: ['attack'], reordered: [] });
    assert.equal(cliMessage(extra), "x.csv: columns do not match the model's schema: unexpected \"attack\" (leave them out with --exclude attack; a label or time column is named with --label or --timestamp instead)");
    const order = new SchemaError("columns do not match the model's schema: reordered \"b\" (read the data with `include` set to the schema's columns to select and order them)", 'x.csv', { missing: [], unexpected: [], reordered: ['b'] });
    assert.match(cliMessage(order), /reordered "b" \(write the columns in the order the model was trained on\)$/);
  });

  it('other errors pass unchanged', () => {
    assert.equal(cliMessage(new Error('something else')), 'something else');
  });

  describe('end to end, on a bundle trained without a timestamp or label column', () => {
    const work = useCliDir('vigil-hints-');
    let cwd = '';
    before(async () => {
      writeTrainTest(work.path, 400, 200);
      // The training data without its time and label columns: the bundle remembers no flags.
      const plain = readFileSync(`${work.path}/train.csv`, 'utf8').trim().split('\n').map((l) => l.split(',').slice(1, 5).join(','));
      writeFileSync(`${work.path}/plain.csv`, plain.join('\n') + '\n');
      writeFileSync(`${work.path}/small.json`, JSON.stringify({ window: 8, encoder: [4], latent: 2, decoderDense: 4, decoder: [4] }));
      cwd = process.cwd();
      process.chdir(work.path);
      const r = await cli(['train', '--data', 'plain.csv', '--config', 'small.json', '--epochs', '1', '--out', 'plain.vigil']);
      assert.equal(r.code, 0, r.err);
    });
    after(() => process.chdir(cwd));

    it('detect names --timestamp, then --exclude or --label; evaluate names --label', async () => {
      let r = await cli(['detect', '--model', 'plain.vigil', '--data', 'test.csv', '--out', 'x.csv']);
      assert.equal(r.code, 1);
      assert.match(r.err, /^vigil detect: test\.csv line 2, column "time": text in a numeric column \("2024-01-01 00:06:40"\) \(it reads as a time: name the timestamp column with --timestamp time\)$/);
      r = await cli(['detect', '--model', 'plain.vigil', '--data', 'test.csv', '--timestamp', 'time', '--out', 'x.csv']);
      assert.equal(r.code, 1);
      assert.match(r.err, /unexpected "attack" \(leave them out with --exclude attack; a label or time column is named with --label or --timestamp instead\)$/);
      r = await cli(['evaluate', '--model', 'plain.vigil', '--data', 'test.csv', '--timestamp', 'time']);
      assert.equal(r.code, 2);
      assert.match(r.err, /^vigil: no labels: name the label column of test\.csv with --label <column>, or give --labels FILE/);
    });
  });
});
