// The generated section of docs/results.md: replaced in place between its markers, nothing else touched.
import { strict as assert } from 'node:assert';

import { BEGIN, END, renderSection, replaceMarked } from '../../tools/eval/markdown';
import { FORMAT, type CellResult, type EvalResults, type Figures } from '../../tools/eval/results';

const figures = (vusPr: number, aucPr: number): Figures => ({ vusPr, vusPrTsb: vusPr / 2, aucPr, aucRoc: 0.9, f1: 0.4, flagged: 0.05 });
const cell = (seed: number, vus: number, wall: number): CellResult => ({
  dataset: 'smd-1-6', kind: 'pca', seed, status: 'done', wallSeconds: wall, rows: 1000, anomalous: 0.1, tsbWindow: 77,
  scorers: { model: figures(vus, 0.6), pca: figures(0.7, 0.6), random: figures(0.2, 0.1) },
});

describe('eval markdown', () => {
  const hand = '# Results\n\nHand-written narrative.\n\n';
  const tail = '\n\n## What the numbers say\n\nMore hand-written text.\n';

  it('replaces only the text between the markers', () => {
    const doc = `${hand}${BEGIN}\nold generated table\n${END}${tail}`;
    const out = replaceMarked(doc, 'new section');
    assert.equal(out, `${hand}${BEGIN}\nnew section\n${END}${tail}`);
    // Idempotent: a second run with the same section changes nothing.
    assert.equal(replaceMarked(out, 'new section'), out);
    assert.ok(!out.includes('old generated table'));
  });

  it('appends the section with its markers to a document without them', () => {
    assert.equal(replaceMarked('# Results\n\ntext\n\n\n', 'S'), `# Results\n\ntext\n\n${BEGIN}\nS\n${END}\n`);
  });

  it('refuses unpaired, repeated or reversed markers rather than overwrite hand-written text', () => {
    assert.throws(() => replaceMarked(`${hand}${BEGIN}\nx`, 'S'), /one .* and one .* found 1 and 0/);
    assert.throws(() => replaceMarked(`${BEGIN}${END}${BEGIN}${END}`, 'S'), /found 2 and 2/);
    assert.throws(() => replaceMarked(`${END}\n${BEGIN}`, 'S'), /comes before/);
  });

  it('renders mean ± population std over seeds, PCA and random beside, provenance and what did not run', () => {
    const r: EvalResults = {
      format: FORMAT,
      parts: [{ started: '2026-12-07T21:00:00.000Z', finished: '2026-12-07T21:10:00.000Z', wallSeconds: 600, commit: 'abc1234',
        machine: { cpu: 'AMD EPYC 7B13', cores: 2, load: [2.5, 3.25] }, command: 'npm run eval -- --kinds pca' }],
      cells: [cell(0, 0.5, 10), cell(1, 0.7, 20), { dataset: 'smd-1-6', kind: 'knn', seed: 0, status: 'failed', error: 'out of memory', wallSeconds: 3 }],
      skipped: [{ dataset: 'batadal', kind: 'lstm-ae', seed: 0, estimateSeconds: 450, reason: 'does not fit the budget' }],
    };
    const s = renderSection(r, { describe: (d) => `the ${d} protocol`, command: 'npm run eval', fullCells: 168 });
    assert.match(s, /\*\*2 of the 168 cells\*\* of `npm run eval` are done here \(1 failed, 1 skipped and listed below; the others were not selected/);
    assert.match(s, /Run 2026-12-07 21:00 UTC, commit abc1234, AMD EPYC 7B13 \(2 cores, load 2\.5 \/ 3\.3 at start \/ end\), wall time 10\.0 min/);
    assert.match(s, /the smd-1-6 protocol\. TSB-AD window L = 77\./);
    // (0.5 + 0.7) / 2 = 0.6, population std 0.1; TSB-AD half of it; PCA 0.7 on both seeds (std 0).
    assert.ok(s.includes('| pca | 0, 1 | 0.600 ± 0.100 | 0.300 ± 0.050 | 0.600 ± 0.000 | 0.900 ± 0.000 | 0.400 ± 0.000 | 5.0% (10.0%) | 0.700 ± 0.000 | 0.600 ± 0.000 | 0.400 ± 0.000 | 0.200 ± 0.000 | 0.100 ± 0.000 | 15 |'), s);
    assert.match(s, /### Failed\n\n- smd-1-6 knn seed 0: out of memory/);
    assert.match(s, /### Not run\n\n- batadal lstm-ae seed 0: does not fit the budget/);
  });
});
