// Small detector bundles for the Detector, stream and service tests: freshly initialised models
// (weights do not matter for equality tests) with a scaler fitted on generated rows, a
// threshold near the median score (so both flags occur) and, for DC-VAE, optional alphas.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import '../../models';
import { Scaler } from '../../lib/data/scaler';
import type { Series } from '../../lib/data/series';
import { syntheticSeries } from '../../lib/data/synthetic';
import { Windows } from '../../lib/data/windows';
import { alphasToJSON } from '../../lib/calibrate/alpha';
import { saveDetector } from '../../lib/detect/detector_bundle';
import { modelKind } from '../../lib/model';
import { scoreWindows } from '../../lib/detect/score';
import { Generator } from '../../lib/random';

export const SMALL_CONFIGS: Record<string, object> = {
  'lstm-ae': { window: 12, encoder: [16, 8], latent: 4, decoderDense: 8, decoder: [8, 16] },
  'dc-vae': {
    window: 12, latent: 2, encoder: [{ units: 8, dilation: 1 }, { units: 8, dilation: 2 }], latentDilation: 2,
    decoder: [{ units: 8, dilation: 2 }, { units: 8, dilation: 1 }], outputDilation: 1,
  },
};

export const COLUMNS = ['a', 'b', 'c', 'd'];

export function series(rows: number, seed = 4, faults = true, start = 0): Series {
  const s = syntheticSeries(rows, COLUMNS.length, { plantSeed: 3, noiseSeed: seed, start, faults });
  const timestamps = Float64Array.from({ length: rows }, (_, r) => Date.UTC(2024, 0, 1) + (start + r) * 1000);
  return { columns: [...COLUMNS], data: s.data, rows, timestamps, labels: s.labels, source: 'synthetic' };
}

/** Writes <dir>/<name>.vigil and returns its path. `alpha`: add an alpha section (dc-vae). */
export function makeBundle(dir: string, kind: 'lstm-ae' | 'dc-vae', opts: { alpha?: boolean; name?: string; config?: object } = {}): string {
  const k = modelKind(kind);
  const config = k.defaultConfig(COLUMNS.length, { ...SMALL_CONFIGS[kind], ...opts.config });
  const model = k.create(config, new Generator(7));
  model.eval();
  const train = series(400, 9, false);
  const scaler = new Scaler('standard').fit(train);
  const scaled = scaler.transform(train);
  const { scores } = scoreWindows(model, new Windows(scaled, { length: model.window }));
  const sorted = Float32Array.from(scores).sort();
  const info: Record<string, unknown> = {
    schema: { columns: [...COLUMNS] },
    scaler: scaler.toJSON(),
    windows: { length: model.window, stride: 1 },
    threshold: { value: sorted[sorted.length >> 1], method: 'fixed', params: {} },
  };
  if (opts.alpha) info.alpha = alphasToJSON({ up: [1, 1.5, Infinity, 0.5], down: [1, 0.5, 2, Infinity], method: 'fixed', params: {} });
  const path = join(dir, `${opts.name ?? kind}.vigil`);
  saveDetector(path, kind, config, model, info as never);
  model.dispose();
  return path;
}

/** The series as a CSV file with a time column (as the CLI tests write them). */
export function writeCsv(path: string, s: Series): void {
  const F = s.columns.length;
  const lines = [['time', ...s.columns].join(',')];
  for (let r = 0; r < s.rows; r++) {
    const t = new Date(s.timestamps![r]).toISOString().slice(0, 19).replace('T', ' ');
    lines.push([t, ...Array.from(s.data.subarray(r * F, (r + 1) * F), (v) => String(v))].join(','));
  }
  writeFileSync(path, lines.join('\n') + '\n');
}

/** Row r of a series as an array. */
export function rowOf(s: Series, r: number): number[] {
  const F = s.columns.length;
  return Array.from(s.data.subarray(r * F, (r + 1) * F));
}

/** The three test bundles (lstm-ae, dc-vae, dc-vae-alpha) in a temp folder made before and removed after the suite. */
export function useBundles(prefix: string): { dir: string; bundles: Record<string, string> } {
  const ctx = { dir: '', bundles: {} as Record<string, string> };
  before(() => {
    ctx.dir = mkdtempSync(join(tmpdir(), prefix));
    ctx.bundles['lstm-ae'] = makeBundle(ctx.dir, 'lstm-ae');
    ctx.bundles['dc-vae'] = makeBundle(ctx.dir, 'dc-vae');
    ctx.bundles['dc-vae-alpha'] = makeBundle(ctx.dir, 'dc-vae', { alpha: true, name: 'dc-vae-alpha' });
  });
  after(() => rmSync(ctx.dir, { recursive: true, force: true }));
  return ctx;
}
