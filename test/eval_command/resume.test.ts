// `npm run eval --resume`: a partial JSON's done cells are kept as they are, the rest is run.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { EvalResults } from '../../tools/eval/results';
import { runEval } from './capture';

describe('npm run eval --resume', function () {
  this.timeout(120000);
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'vigil-eval-resume-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const args = ['--datasets', 'synthetic', '--kinds', 'pca,iforest', '--seeds', '2', '--no-doc'];

  it('keeps the done cells, reruns failed ones, runs what is missing, and adds a part', async () => {
    const full = join(dir, 'full.json'), part = join(dir, 'part.json');
    assert.equal((await runEval([...args, '--seeds', '1', '--out', full])).code, 0);
    const first = JSON.parse(readFileSync(full, 'utf8')) as EvalResults;
    assert.equal(first.cells.length, 2);
    // A partial run: seed 0's pca done (marked with an impossible time, so a rerun would show), iforest failed.
    const pca = { ...first.cells.find((c) => c.kind === 'pca')!, wallSeconds: 12345 };
    const failed = { dataset: 'synthetic', kind: 'iforest', seed: 0, status: 'failed', error: 'killed', wallSeconds: 1 };
    writeFileSync(part, JSON.stringify({ ...first, cells: [pca, failed] }));

    const r = await runEval([...args, '--resume', part]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /resuming .*part\.json \(1 cells done\)/);
    assert.match(r.stdout, /plan: 3 cells/);
    const res = JSON.parse(readFileSync(part, 'utf8')) as EvalResults; // --out defaults to the --resume file
    assert.deepEqual(res.cells.map((c) => `${c.kind}/${c.seed}/${c.status}`).sort(), ['iforest/0/done', 'iforest/1/done', 'pca/0/done', 'pca/1/done']);
    assert.deepEqual(res.cells.find((c) => c.kind === 'pca' && c.seed === 0), pca, 'the done cell is kept as it was');
    assert.equal(res.parts.length, 2);

    // Nothing left: a further resume runs nothing, changes no cell and records no empty part.
    const again = await runEval([...args, '--resume', part]);
    assert.match(again.stdout, /plan: 0 cells/);
    const res2 = JSON.parse(readFileSync(part, 'utf8')) as EvalResults;
    assert.deepEqual(res2.cells, res.cells);
    assert.equal(res2.parts.length, 2);
  });

  it('refuses a file that is not an eval results JSON, naming it', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ cells: [] }));
    await assert.rejects(runEval([...args, '--resume', bad]), /--resume .*bad\.json: not a vigil-eval\/1 file/);
    writeFileSync(bad, '{ truncated');
    await assert.rejects(runEval([...args, '--resume', bad]), /--resume .*bad\.json: .*JSON/);
    writeFileSync(bad, JSON.stringify({ format: 'vigil-eval/1', parts: [], cells: [{ dataset: 'synthetic', kind: 'pca', seed: 0, status: 'done' }] }));
    await assert.rejects(runEval([...args, '--resume', bad]), /cell 0 \(synthetic\/pca\/0\) is done but has no figures/);
  });
});
