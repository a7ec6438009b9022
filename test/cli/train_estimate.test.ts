// train's run-time estimate (tools/cli/estimate.ts): the arithmetic by hand, the flags it names
// past 10 minutes, the batch count read from lib/train's real progress bar, and the line itself.
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';

import { Progress } from '../../lib/train/progress';
import { duration, estimateLines, estimateRun, estimatingSink } from '../../tools/cli/estimate';
import { dataFlags, useCliDir, writeTrainTest } from '../helpers/cli';
import { vigilInProcess as cli } from '../helpers/cli_inprocess';

describe('vigil train: the run-time estimate', function () {
  this.timeout(120000);

  it('an epoch is its batches plus a third of a batch per batch-size validation samples', () => {
    // 100 steps of 0.02 s, and 960 validation samples = 15 batches of 64 at a third of the cost: 5 steps.
    const e = estimateRun(0.02, { steps: 100, batchSize: 64, validationSamples: 960, epochs: 50 });
    assert.ok(Math.abs(e.epochSeconds - 2.1) < 1e-12, String(e.epochSeconds));
    assert.ok(Math.abs(e.seconds - 105) < 1e-9, String(e.seconds));
    assert.equal(e.epochs, 50);
  });

  it('a run over 10 minutes names the --stride, --epochs or --rows that bring it under', () => {
    const lines = estimateLines({ seconds: 3000, epochSeconds: 60, epochs: 50 }, { stride: 2, epochs: 50 });
    assert.equal(lines[0], 'estimated run time: about 50 min 00 s for at most 50 epochs (1 min 00 s per epoch; early stopping may end it sooner)');
    // 3000 s is 5 times 600 s: five times the stride, a fifth of the epochs or of the rows; or
    // both by sqrt(5) = 2.236: stride ceil(4.47) = 5, epochs floor(22.36) = 22.
    assert.equal(lines[1], 'that is over 10 min: to shorten it, give --stride 10 (now 2), or --epochs 10 (now 50), or --rows 0:20% (a share of the rows), or both --stride 5 --epochs 22');
    assert.equal(estimateLines({ seconds: 600, epochSeconds: 12, epochs: 50 }, { stride: 1, epochs: 50 }).length, 1, '10 minutes is not over');
    assert.doesNotMatch(estimateLines({ seconds: 7200, epochSeconds: 7200, epochs: 1 }, { stride: 1, epochs: 1 })[1], /--epochs/, 'no --epochs below 1');
  });

  it('durations', () => {
    assert.equal(duration(7265), '2 h 01 min');
    assert.equal(duration(450), '7 min 30 s');
    assert.equal(duration(42.4), '42 s');
    assert.equal(duration(4.2), '4.2 s');
  });

  it('counts the batches lib/train\'s progress bar draws, and passes on what fit writes', () => {
    const calls: [number, number, number][] = [];
    const text: string[] = [];
    const plain = { write: (s: string) => text.push(s), isTTY: false };
    const p = new Progress('train', 10, estimatingSink(plain, (n, s, steps) => calls.push([n, s, steps])) as NodeJS.WriteStream);
    for (let s = 1; s <= 10; s++) p.tick(s, 'epoch 1/3');
    p.line('epoch 1/3: train loss 1.0');
    assert.deepEqual(calls.map(([n, , steps]) => [n, steps]), [1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => [n, 10]), 'one call per batch after the first');
    assert.ok(calls.every(([, s], i) => s >= 0 && (i === 0 || s >= calls[i - 1][1])), 'seconds since the first batch, growing');
    assert.deepEqual(text, ['train epoch 1/3: train loss 1.0\n'], 'no bar and no terminal codes where stderr is no terminal');
    const tty: string[] = [];
    const q = new Progress('train', 2, estimatingSink({ write: (s: string) => tty.push(s), isTTY: true }, () => {}) as NodeJS.WriteStream);
    q.tick(1);
    q.line('done');
    assert.equal(tty.length, 3, 'a terminal gets the bar, its clearing and the line');
  });

  describe('end to end', () => {
    const work = useCliDir('vigil-estimate-');
    let cwd = '';
    before(() => {
      writeTrainTest(work.path, 600, 100);
      writeFileSync(`${work.path}/small.json`, JSON.stringify({ window: 8, encoder: [4], latent: 2, decoderDense: 4, decoder: [4] }));
      cwd = process.cwd();
      process.chdir(work.path);
    });
    after(() => process.chdir(cwd));

    it('train says the estimate on stderr after the first batches', async () => {
      const r = await cli(['train', ...dataFlags('train.csv'), '--config', 'small.json', '--epochs', '3', '--batch-size', '32', '--out', 'm.vigil']);
      assert.equal(r.code, 0, r.err);
      assert.match(r.err, /^ {2}estimated run time: about [\d.]+ s for at most 3 epochs \([\d.]+ s per epoch; early stopping may end it sooner\)$/m);
      assert.doesNotMatch(r.out, /estimated/);
    });
  });
});
