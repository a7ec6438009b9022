// The pipeline's lr and batchSize (`vigil train --lr --batch-size`) reaching a kind that trains
// with a loop of its own and keeps them in its config (ALAD): given, they go into the config (the
// bundle records them) and drive every player's Adam and the steps per epoch; not given, the
// config's own (ALAD's 1e-5 and 50) stay. A kind without such config fields is left as it was.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import '../../models';
import { loadBundle } from '../../lib/io/bundle';
import { fitModel } from '../../lib/pipeline/fit';
import { Generator } from '../../lib/random';
import type { Series } from '../../lib/data/series';

const TINY = { latent: 2, encoderWidth: 4, generatorWidths: [4, 4], dxzWidth: 4, dxxWidth: 4, dzzWidth: 4 };

function rows(n: number): Series {
  const t = new Generator(1).normal([n, 5]);
  const data = t.toArray() as Float32Array;
  t.dispose();
  return { columns: ['a', 'b', 'c', 'd', 'e'], data, rows: n };
}

describe('pipeline: --lr and --batch-size reach a kind with its own loop', function () {
  this.timeout(60000);
  let dir = '';
  before(() => (dir = mkdtempSync(join(tmpdir(), 'vigil-flags-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** The fitted config, and Adam's lr and step count of one player from the checkpoint. */
  async function run(name: string, opts: { lr?: number; batchSize?: number }) {
    const s = rows(200);
    const checkpoint = join(dir, `${name}.ckpt`);
    const f = await fitModel('alad', s, s, { epochs: 1, progress: false, checkpoint, config: TINY, baseline: false, ...opts });
    f.model.dispose();
    const adam = (loadBundle(checkpoint).sections.optimizers as Record<string, { groups: { lr: number }[]; state: { step: number }[] }>).enc;
    return { config: f.config as { lr: number; batchSize: number }, lr: adam.groups[0].lr, steps: adam.state[0].step };
  }

  it('given: into the config, the optimisers and the batches', async () => {
    const r = await run('given', { lr: 2e-3, batchSize: 16 });
    assert.equal(r.config.lr, 2e-3);
    assert.equal(r.config.batchSize, 16);
    assert.equal(r.lr, 2e-3);
    assert.equal(r.steps, Math.ceil(200 / 16));
  });

  it('not given (or undefined): the config\'s own, 1e-5 and 50', async () => {
    const r = await run('default', { lr: undefined, batchSize: undefined });
    assert.equal(r.config.lr, 1e-5);
    assert.equal(r.config.batchSize, 50);
    assert.equal(r.lr, 1e-5);
    assert.equal(r.steps, Math.ceil(200 / 50));
  });

  it('a kind whose config has no lr or batchSize gets none added', async () => {
    const s = rows(300);
    const f = await fitModel('lstm-ae', s, s, { epochs: 1, lr: 2e-3, batchSize: 16, progress: false, baseline: false, config: { window: 8 } });
    f.model.dispose();
    assert.ok(!('lr' in (f.config as object)) && !('batchSize' in (f.config as object)));
  });
});
