// vigil train --config accepts the JSON itself as well as a file or a named config.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { loadBundle } from '../../lib/io/bundle';
import { dataFlags, useCliDir, writeTrainTest } from '../helpers/cli';

describe('vigil train --config inline JSON', function () {
  this.timeout(120000);
  const dir = useCliDir('vigil-inline-config-');
  before(() => writeTrainTest(dir.path, 400, 50));

  it('an inline object overrides the config as the same file would', () => {
    const r = dir.run(['train', '--model', 'lstm-ae', ...dataFlags('train.csv'), '--config', '{"window": 12, "latent": 5}', '--epochs', '1', '--out', 'm.vigil']);
    assert.equal(r.code, 0, r.err);
    const b = loadBundle(join(dir.path, 'm.vigil'));
    assert.equal((b.config as { window: number }).window, 12);
    assert.equal((b.config as { latent: number }).latent, 5);
    assert.ok(readFileSync(join(dir.path, 'm.vigil')).length > 0);
  });

  it('bad inline JSON is a usage error naming the flag', () => {
    const bad = dir.run(['train', '--model', 'lstm-ae', ...dataFlags('train.csv'), '--config', '{"window": 12', '--out', 'x.vigil']);
    assert.equal(bad.code, 2, bad.err);
    assert.match(bad.err, /--config \(inline JSON\): not JSON/);
  });
});
