// PCA reconstruction as a model kind: `--model pca` fits the reports' PCA baseline on the
// training samples (closed form, no epochs) and deploys it like any other detector.
import type { ModelKind } from '../../lib/model';
import { allSamples, closedFormResult } from '../closed_form_fit';
import { Pca, type PcaConfig } from './model';

/** Throws naming the first field of the wrong type or range (a bundle's config is user input). */
export function checkPcaConfig(c: PcaConfig): PcaConfig {
  const fail = (field: string, want: string) => new Error(`pca: ${field} must be ${want}, got ${JSON.stringify((c as any)[field])}`);
  for (const f of ['inputs', 'window'] as const) if (!(Number.isInteger(c[f]) && c[f] >= 1)) throw fail(f, 'a positive integer');
  // The covariance is dim x dim in float64: bound it (window 100 of 38 channels is 116 MB).
  if (c.inputs * c.window > 4096) throw fail('window', `at most ${Math.floor(4096 / c.inputs)} rows for ${c.inputs} channels (inputs * window <= 4096)`);
  if (!(typeof c.varianceExplained === 'number' && c.varianceExplained > 0 && c.varianceExplained <= 1)) throw fail('varianceExplained', 'a number in (0, 1]');
  return c;
}

export const pcaKind: ModelKind<PcaConfig, Pca> = {
  kind: 'pca',
  summary: 'PCA reconstruction error (the reports\' PCA baseline, deployable): closed-form fit, no epochs',
  inputKind: 'windows',
  // The baseline's choices: single rows, components up to 90% of the variance.
  defaultConfig: (inputs, overrides = {}) => ({ window: 1, varianceExplained: 0.9, ...overrides, inputs }),
  create: (config) => new Pca(checkPcaConfig(config)),
  async fit(model, data) {
    const t0 = performance.now();
    const train = allSamples(data, 'train');
    model.fitSamples(train.count, (i, j) => train.values[i * train.per + j]);
    const seconds = (performance.now() - t0) / 1000;
    return closedFormResult(model, data, train, seconds);
  },
};
