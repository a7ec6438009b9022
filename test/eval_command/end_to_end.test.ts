// `npm run eval` end to end on the built-in synthetic series: two cheap kinds, two seeds, the
// JSON and the regenerated section of a document with hand-written text around it.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { BEGIN, END } from '../../tools/eval/markdown';
import type { EvalResults } from '../../tools/eval/results';
import { runEval } from './capture';

describe('npm run eval, end to end (synthetic, pca + iforest, 2 seeds)', function () {
  this.timeout(120000);
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'vigil-eval-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('trains, evaluates, writes the JSON and regenerates only the marked section', async () => {
    const json = join(dir, 'r.json'), doc = join(dir, 'results.md');
    const head = '# Results\n\nHand-written narrative, kept.\n\n', tail = '\n\n## Notes\n\nAlso kept.\n';
    writeFileSync(doc, `${head}${BEGIN}\nstale\n${END}${tail}`);
    const r = await runEval(['--datasets', 'synthetic', '--kinds', 'pca,iforest', '--seeds', '2', '--out', json, '--doc', doc, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /plan: 4 cells, estimated/);
    assert.match(r.stderr, /\[1\/4\] synthetic (pca|iforest) seed 0: estimated/);
    const res = JSON.parse(readFileSync(json, 'utf8')) as EvalResults;
    assert.deepEqual(JSON.parse(r.stdout), res, '--json prints the same results');
    assert.deepEqual(res.cells.map((c) => `${c.kind}/${c.seed}/${c.status}`).sort(), ['iforest/0/done', 'iforest/1/done', 'pca/0/done', 'pca/1/done']);
    for (const c of res.cells) {
      const s = c.scorers!;
      for (const f of [s.model, s.pca!, s.random]) {
        for (const v of [f.vusPr!, f.vusPrTsb!, f.aucPr, f.aucRoc, f.f1, f.flagged]) assert.ok(Number.isFinite(v) && v >= 0 && v <= 1, `${c.kind}: ${JSON.stringify(f)}`);
      }
      assert.ok(Number.isInteger(c.tsbWindow) && c.tsbWindow! >= 6, `TSB window ${c.tsbWindow}`);
      assert.ok(c.anomalous! > 0.1 && c.anomalous! < 0.4, `labelled fraction ${c.anomalous}`);
      // The random score is no detector: below the model on the threshold-free numbers here.
      assert.ok(s.random.aucPr < s.model.aucPr, `${c.kind}: random ${s.random.aucPr} vs ${s.model.aucPr}`);
      assert.ok(s.model.vusPr !== s.model.vusPrTsb, 'the TSB-AD variant is computed on its own window and thresholds');
    }
    // The pca kind is the PCA baseline: on the same rows with the same threshold rule its figures are the baseline's.
    const pca = res.cells.find((c) => c.kind === 'pca')!;
    assert.deepEqual(pca.scorers!.model, pca.scorers!.pca);
    // Seeds reach the model: iforest's two seeds differ.
    const [f0, f1] = res.cells.filter((c) => c.kind === 'iforest').map((c) => c.scorers!.model.vusPr);
    assert.notEqual(f0, f1);
    assert.equal(res.parts.length, 1);
    assert.match(res.parts[0].commit, /^[0-9a-f]{7,}/);

    const text = readFileSync(doc, 'utf8');
    assert.ok(text.startsWith(head + BEGIN + '\n'), 'text before the markers kept');
    assert.ok(text.endsWith(END + tail), 'text after the markers kept');
    assert.ok(!text.includes('stale'));
    assert.match(text, /\| pca \| 0, 1 \| \d\.\d{3} ± \d\.\d{3} \|/);
    assert.match(text, /\| iforest \| 0, 1 \| \d\.\d{3} ± \d\.\d{3} \|/);
  });

  it('--help, and clear errors for unknown kinds, datasets and bad seeds', async () => {
    const h = await runEval(['--help']);
    assert.equal(h.code, 0);
    assert.match(h.stdout, /npm run eval --/);
    assert.match(h.stdout, /--budget/);
    await assert.rejects(runEval(['--kinds', 'pca,nope', '--dry-run']), /unknown kind "nope"/);
    await assert.rejects(runEval(['--datasets', 'nowhere', '--dry-run']), /unknown dataset "nowhere"/);
    await assert.rejects(runEval(['--seeds', 'two', '--dry-run']), /--seeds must be a count or a list/);
  });

  it('a dataset whose files are missing is listed as not run, with the missing path', async () => {
    const r = await runEval(['--datasets', 'batadal', '--kinds', 'pca', '--seeds', '1', '--data', join(dir, 'no-data'), '--dry-run']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /SKIPPED batadal pca seed 0: missing .*no-data\/batadal\/BATADAL_dataset03\.csv/);
  });
});
