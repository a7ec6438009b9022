// vigil demo --json: one JSON object on stdout (the report lines on stderr) with the same facts
// the text prints: per-scorer reports, the attacks and who caught them, the report path.
import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { useCliDir } from '../helpers/cli';

describe('vigil demo --json', function () {
  this.timeout(600000);
  const dir = useCliDir('vigil-demo-json-');

  it('prints one JSON object whose facts match the text on stderr', () => {
    const r = dir.run(['demo', '--quick', '--json', '--models', 'lstm-ae', '--epochs', '1', '--out', 'rep']);
    assert.equal(r.code, 0, r.err.slice(-2000));
    const res = JSON.parse(r.out);
    assert.deepEqual(res.models, ['lstm-ae']);
    assert.deepEqual(Object.keys(res.reports).sort(), ['PCA', 'lstm-ae', 'random'].sort());
    assert.equal(res.attacks.length, 7);
    assert.equal(res.detected, res.attacks.filter((a: { detected: boolean }) => a.detected).length);
    assert.match(r.err, new RegExp(`${res.detected}/7 attacks detected by lstm-ae`));
    assert.ok(existsSync(join(dir.path, 'rep', 'index.html')) && res.report.endsWith(join('rep', 'index.html')));
    assert.equal(res.check, null);
  });
});
