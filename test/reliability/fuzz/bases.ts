// The bundle fuzz's base bundles, one per model kind (and dc-vae with alphas), small and
// untrained or trained one epoch, saved through the path real bundles take: lstm-ae, dc-vae
// and the matrix models (staead, sa-dvcrae: default config, small sizes) by saveDetector with
// seeded weights; alad on tabular rows by fitDetector (one epoch) on a generated CSV, so that
// its bundle carries a `tabular` section made as `vigil train --preset tabular` makes it.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import '../../../models';
import type { Series } from '../../../lib/data/series';
import { syntheticSeries } from '../../../lib/data/synthetic';
import { loadTrainingData } from '../../../lib/data/load';
import { loadBundle } from '../../../lib/io/bundle';
import { saveDetector, type DetectorInfo } from '../../../lib/detect/detector_bundle';
import { Scaler } from '../../../lib/data/scaler';
import { modelKind } from '../../../lib/model';
import { fitDetector, saveFitted } from '../../../lib/pipeline/fit';
import { scoreSeries } from '../../../lib/pipeline/score';
import { Generator } from '../../../lib/random';
import { makeBundle } from '../../detect/detector_fixture';

const COLUMNS = ['a', 'b', 'c', 'd'];

/** The series a base of these columns scores: 60 rows, faults included (test/detect's series for a..d). */
export function scoredSeries(columns: string[], rows = 60, seed = 4, faults = true): Series {
  const s = syntheticSeries(rows, columns.length, { plantSeed: 3, noiseSeed: seed, start: 0, faults });
  const timestamps = Float64Array.from({ length: rows }, (_, r) => Date.UTC(2024, 0, 1) + r * 1000);
  return { columns: [...columns], data: s.data, rows, timestamps, labels: s.labels, source: 'synthetic' };
}

/** The columns a base bundle scores (its schema). */
export const columnsOf = (path: string): string[] => loadBundle(path).sections.schema.columns;

/** Small matrix-series configs (3 steps, gap 3, one scale of 8 rows: a window of 14 rows). */
const MATRIX_CONFIGS: Record<string, object> = {
  staead: { steps: 3, gap: 3, scales: [8], encoder: [6, 4], attention: [4], recurrent: [4], decoder: [6] },
  'sa-dvcrae': { steps: 3, gap: 3, scales: [8], encoder: [4, 4, 4], encoderLstm: [4], latent: 4, hidden: 8, decoderChannels: 4, decoderLstm: [4], decoder: [4, 4, 4] },
};

/** A seeded, untrained matrix model with a scaler and a threshold at its median training score. */
function matrixBundle(dir: string, kind: string): string {
  const k = modelKind(kind);
  const config = k.defaultConfig(COLUMNS.length, MATRIX_CONFIGS[kind]);
  const model = k.create(config, new Generator(7));
  model.eval();
  const train = scoredSeries(COLUMNS, 200, 9, false);
  const scaler = new Scaler('standard').fit(train);
  const info: DetectorInfo = {
    schema: { columns: [...COLUMNS] }, scaler: scaler.toJSON(), windows: { length: model.window, stride: 1 },
    threshold: { value: 0, method: 'fixed', params: {} },
  };
  const scores = scoreSeries({ kind, config, model, info }, train).scores.filter(Number.isFinite).sort();
  info.threshold.value = scores[scores.length >> 1];
  const path = join(dir, `${kind}.vigil`);
  saveDetector(path, kind, config, model, info);
  model.dispose();
  return path;
}

/** ALAD trained one epoch on 300 generated tabular rows with two categorical columns. */
async function aladBundle(dir: string): Promise<string> {
  // Two numeric columns, proto from three values and flag from two, one row in ten an 'odd'
  // class shifted by 3 (the honest protocol keeps those out of training).
  const noise = new Generator(4).normal([300, 2]).toArray();
  const lines = ['duration,bytes,proto,flag,class'];
  noise.forEach((v, i) => {
    if (i % 2) return;
    const r = i / 2, odd = r % 10 === 3;
    const cells = [(v + (odd ? 3 : 0)).toFixed(4), (v - noise[i + 1]).toFixed(4), ['tcp', 'udp', 'tcp', 'icmp', 'tcp'][r % 5], r % 7 ? 'SF' : 'REJ'];
    lines.push([...cells, odd ? 'odd' : 'ok'].join(','));
  });
  const csv = join(dir, 'alad-rows.csv');
  writeFileSync(csv, lines.join('\n') + '\n');
  const { train, validation, tabular } = await loadTrainingData({
    path: csv, preset: 'tabular', labels: ['class'], tabular: { protocol: 'honest', symbolic: ['proto', 'flag'], anomalous: ['odd'] },
  });
  const config = { latent: 4, encoderWidth: 8, generatorWidths: [8, 16], dxzWidth: 16, dxxWidth: 16, dzzWidth: 4 };
  const det = await fitDetector(train, { kind: 'alad', config, validationData: validation, tabular, epochs: 1, seed: 1, progress: false });
  const path = join(dir, 'alad.vigil');
  saveFitted(path, det);
  det.model.dispose();
  return path;
}

/** Every base bundle, by name -> path, written under `dir`. */
export async function makeBases(dir: string): Promise<Record<string, string>> {
  return {
    'lstm-ae': makeBundle(dir, 'lstm-ae'),
    'dc-vae': makeBundle(dir, 'dc-vae'),
    'dc-vae-alpha': makeBundle(dir, 'dc-vae', { alpha: true, name: 'dc-vae-alpha' }),
    staead: matrixBundle(dir, 'staead'),
    'sa-dvcrae': matrixBundle(dir, 'sa-dvcrae'),
    alad: await aladBundle(dir),
  };
}
