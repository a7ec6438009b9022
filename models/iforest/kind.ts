// Isolation Forest as a model kind: `--model iforest` grows the forest once on the training
// windows (seeded by --seed; no epochs) and deploys it like any other detector.
import type { ModelKind } from '../../lib/model';
import { fitSeeded } from '../closed_form_fit';
import { IForest, type IForestConfig } from './model';

/** Throws naming the first field of the wrong type or range (a bundle's config is user input). */
export function checkIForestConfig(c: IForestConfig): IForestConfig {
  const fail = (field: string, want: string) => new Error(`iforest: ${field} must be ${want}, got ${JSON.stringify((c as any)[field])}`);
  const intIn = (v: unknown, lo: number, hi: number) => Number.isInteger(v) && (v as number) >= lo && (v as number) <= hi;
  if (!intIn(c.inputs, 1, 1 << 20)) throw fail('inputs', 'a positive integer');
  if (!intIn(c.window, 1, 1 << 16)) throw fail('window', 'an integer in [1, 65536]');
  if (!intIn(c.trees, 1, 10000)) throw fail('trees', 'an integer in [1, 10000]');
  // Nodes per tree grow as 2 * subsample: bounded so a forest stays tens of MB.
  if (!intIn(c.subsample, 2, 4096)) throw fail('subsample', 'an integer in [2, 4096]');
  return c;
}

export const iforestKind: ModelKind<IForestConfig, IForest> = {
  kind: 'iforest',
  summary: 'Isolation Forest over windows (last value, mean, std per channel): grown once, seeded, no epochs',
  inputKind: 'windows',
  // The paper's forest (100 trees of 256 points); 10 rows of context for the mean and spread.
  defaultConfig: (inputs, overrides = {}) => ({ window: 10, trees: 100, subsample: 256, ...overrides, inputs }),
  create: (config) => new IForest(checkIForestConfig(config)),
  fit: (model, data, options) => fitSeeded(model, data, options.generator),
};
