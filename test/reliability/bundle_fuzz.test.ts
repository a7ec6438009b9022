// The bundle fuzz (test/reliability/fuzz/): 400 seeded mutants of small bundles of every kind
// (lstm-ae, dc-vae, dc-vae with alphas, staead, sa-dvcrae, alad on tabular rows: 50 to 80
// each), unsigned (bytes) and re-signed (sections, config, tensors, raw metadata), each refused
// with a named error or scoring exactly like its base, within 2 s each and without crashing its
// child process. `npm run fuzz -- --count N --seed S` runs longer campaigns.
import { strict as assert } from 'node:assert';

import { runCampaign, summary, type Campaign } from './fuzz/campaign';

describe('reliability: bundle fuzz', function () {
  this.timeout(180000);
  let c: Campaign;
  before(async () => {
    c = await runCampaign({ seed: 18, count: 400, perMutantMs: 2000, budgetMs: 60000 });
  });

  it('every mutant is refused with a named error or scores exactly like its base; no hang, no crash', () => {
    assert.equal(c.results.length, c.count, `only ${c.results.length} of ${c.count} mutants judged within the minute\n${summary(c)}`);
    assert.deepEqual(c.failures.map((f) => `#${f.index} ${f.desc} -> ${f.outcome}: ${f.detail}`), [], summary(c));
  });

  it('the campaign covers every layer and both verdicts (it cannot pass by judging nothing)', () => {
    const count = (pred: (r: Campaign['results'][number]) => boolean) => c.results.filter(pred).length;
    for (const layer of ['bytes', 'signed', 'raw']) assert.ok(count((r) => r.layer === layer) >= 40, `layer ${layer}`);
    for (const base of ['lstm-ae', 'dc-vae', 'dc-vae-alpha', 'staead', 'sa-dvcrae', 'alad']) {
      assert.ok(count((r) => r.base === base) >= 40, `base ${base}`);
      assert.ok(count((r) => r.base === base && r.outcome === 'equal') >= 1, `base ${base}: a mutant that scores like it`);
    }
    assert.ok(count((r) => r.outcome === 'refused') >= 200, 'refusals');
    assert.ok(count((r) => r.outcome === 'equal') >= 10, 'mutants that score like their base');
    assert.ok(count((r) => r.outcome === 'changed') >= 5, 'free mutants that score differently');
  });
});
