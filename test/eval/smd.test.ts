// The detection pieces end to end on real SMD machines: PCA fitted on the head of train, a POT
// threshold from the scores of train's tail (no test label or test score touches it), the
// report next to a random score. Skips when ../shared/data is absent.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { parseInterpretationLabels } from '../../lib/data/interpretation';
import { fitPca, pcaScores, randomScores } from '../../lib/eval/baselines';
import { philoxUniform } from '../helpers/philox';
import { DATA, skipWithout } from '../helpers/real_data';
import { evaluate, formatReport } from '../../lib/eval/report';
import { pot, refitThreshold } from '../../lib/calibrate/thresholds';

const SMD = join(DATA, 'smd');

function readMatrix(path: string): { data: Float32Array; rows: number; columns: string[] } {
  const lines = readFileSync(path, 'utf8').trim().split(/\r?\n/);
  const c = lines[0].split(',').length;
  const data = new Float32Array(lines.length * c);
  lines.forEach((l, r) => l.split(',').forEach((v, j) => (data[r * c + j] = +v)));
  return { data, rows: lines.length, columns: Array.from({ length: c }, (_, j) => `c${j + 1}`) };
}

describe('detect: SMD end to end (PCA vs random)', function () {
  this.timeout(60000);
  skipWithout(SMD);

  for (const machine of ['machine-1-6', 'machine-2-1', 'machine-3-4']) {
    it(`${machine}: PCA beats the random score on VUS-PR and AUC-PR`, () => {
      const train = readMatrix(join(SMD, 'train', `${machine}.txt`));
      const test = readMatrix(join(SMD, 'test', `${machine}.txt`));
      const labels = Uint8Array.from(readFileSync(join(SMD, 'test_label', `${machine}.txt`), 'utf8').trim().split(/\r?\n/).map(Number));
      const labelled = parseInterpretationLabels(readFileSync(join(SMD, 'interpretation_label', `${machine}.txt`), 'utf8'), machine);
      const c = train.columns.length;
      const cut = Math.floor(train.rows * 0.7);
      const head = { ...train, data: train.data.subarray(0, cut * c), rows: cut };
      const tail = { ...train, data: train.data.subarray(cut * c), rows: train.rows - cut };
      const model = fitPca(head);
      const threshold = pot(pcaScores(model, tail).scores, { initialQuantile: 0.98, risk: 1e-3 });
      const pca = pcaScores(model, test);
      const opts = { threshold, vusWindow: 100, stepSeconds: 60 };
      const randomErrors = Float32Array.from(philoxUniform(test.rows * c, 5));
      // The random score gets the same threshold method, fitted on its own "validation" draws.
      const randomThreshold = refitThreshold(threshold, randomScores(tail, 2));
      const rows = [
        { name: 'PCA', report: evaluate(pca.scores, labels, { ...opts, attribution: { errors: pca.channelErrors, channels: c, labelled } }) },
        { name: 'random', report: evaluate(randomScores(test, 1), labels, {
          ...opts, threshold: randomThreshold, attribution: { errors: randomErrors, channels: c, labelled },
        }) },
      ];
      if (process.env.VIGIL_PRINT_REPORTS) console.log(`\n${machine} (PCA k=${model.k})\n${formatReport(rows)}`);
      const [p, r] = rows.map((x) => x.report);
      assert.ok(p.thresholdFree.vusPr > r.thresholdFree.vusPr, `VUS-PR ${p.thresholdFree.vusPr} vs random ${r.thresholdFree.vusPr}`);
      assert.ok(p.thresholdFree.aucPr > r.thresholdFree.aucPr, `AUC-PR ${p.thresholdFree.aucPr} vs random ${r.thresholdFree.aucPr}`);
      // A random score sits at chance: AUC-ROC 0.5 within 0.03 on ~23,000 steps.
      assert.ok(Math.abs(r.thresholdFree.aucRoc - 0.5) < 0.03, `random AUC-ROC ${r.thresholdFree.aucRoc}`);
      assert.ok(p.attribution!.hitRate['100'] > r.attribution!.hitRate['100'], 'PCA attribution beats random channels');
    });
  }
});
