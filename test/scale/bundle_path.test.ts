import { strict as assert } from 'node:assert';
import { dirname, join } from 'node:path';

import { bundleFileName, bundlePath, entityOfBundleFile } from '../../lib/scale/bundle_path';

describe('scale: per-entity bundle file names', () => {
  it('keeps plain names readable and escapes the rest', () => {
    assert.equal(bundleFileName('pump-7_a.b'), 'pump-7_a.b.vigil');
    assert.equal(bundleFileName('plant/1'), 'plant%2F1.vigil');
    assert.equal(bundleFileName('..'), '%2E..vigil');
    assert.equal(bundleFileName('.hidden'), '%2Ehidden.vigil');
    assert.equal(bundleFileName('a b%'), 'a%20b%25.vigil');
    assert.equal(bundleFileName('é'), '%C3%A9.vigil');
  });

  it('never leaves the directory', () => {
    for (const e of ['../x', '..', '/etc/passwd', 'a\\..\\b', '.', 'x/../../y'])
      assert.equal(dirname(bundlePath('/data/bundles', e)), '/data/bundles', e);
  });

  it('is one-to-one: the file name decodes to its entity, and foreign names to nothing', () => {
    for (const e of ['pump-7', 'plant/1', '..', 'a b%', 'é', 'x.y.z', '%41'])
      assert.equal(entityOfBundleFile(bundleFileName(e)), e);
    assert.equal(bundleFileName('%41'), '%2541.vigil');
    for (const f of ['%41.vigil', 'x.onnx', '.vigil', '.x.vigil', 'a%2.vigil', '%FF.vigil'])
      assert.equal(entityOfBundleFile(f), undefined, f);
  });

  it('refuses empty and over-long names', () => {
    assert.throws(() => bundleFileName(''), /must not be empty/);
    assert.throws(() => bundleFileName('/'.repeat(100)), /too long/);
    assert.equal(bundlePath('d', 'a'.repeat(249)), join('d', `${'a'.repeat(249)}.vigil`));
  });
});
