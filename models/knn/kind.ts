// k nearest neighbours as a model kind: `--model knn` keeps a seeded, time-stratified subsample
// of the training windows as its reference (no epochs) and deploys it like any other detector.
import type { ModelKind } from '../../lib/model';
import { fitSeeded } from '../closed_form_fit';
import { KNN_SCORES, type KnnConfig } from './config';
import { Knn } from './model';

/** Values the reference buffer may hold (float32): 64 MB. */
const MAX_REFERENCE_VALUES = 1 << 24;

/** Throws naming the first field of the wrong type or range (a bundle's config is user input). */
export function checkKnnConfig(c: KnnConfig): KnnConfig {
  const fail = (field: string, want: string) => new Error(`knn: ${field} must be ${want}, got ${JSON.stringify((c as any)[field])}`);
  const intIn = (v: unknown, lo: number, hi: number) => Number.isInteger(v) && (v as number) >= lo && (v as number) <= hi;
  if (!intIn(c.inputs, 1, 1 << 20)) throw fail('inputs', 'a positive integer');
  if (!intIn(c.window, 1, 1 << 16)) throw fail('window', 'an integer in [1, 65536]');
  if (!intIn(c.reference, 2, 100000)) throw fail('reference', 'an integer in [2, 100000]');
  if (!KNN_SCORES.includes(c.score)) throw fail('score', `one of ${KNN_SCORES.join(', ')}`);
  // LOF compares a reference window with its k others, so it needs k + 1 of them.
  const most = c.score === 'lof' ? c.reference - 1 : c.reference;
  if (!intIn(c.k, 1, most)) throw fail('k', `an integer in [1, ${most}] (reference ${c.reference}, score ${c.score})`);
  if (c.reference * c.window * c.inputs > MAX_REFERENCE_VALUES)
    throw fail('reference', `at most ${Math.floor(MAX_REFERENCE_VALUES / (c.window * c.inputs))} windows of ${c.window} x ${c.inputs} values (reference * window * inputs <= ${MAX_REFERENCE_VALUES})`);
  return c;
}

export const knnKind: ModelKind<KnnConfig, Knn> = {
  kind: 'knn',
  summary: 'k nearest neighbours over flattened windows (k-th distance, mean distance or LOF) to a subsample of training windows: no epochs',
  inputKind: 'windows',
  // k 5 as PyOD's KNN and LOF default to; 10 rows as iforest; 2000 references bound the cost of
  // a score (2000 distances of window * inputs values) whatever the training length.
  defaultConfig: (inputs, overrides = {}) => ({ window: 10, k: 5, score: 'kth' as const, reference: 2000, ...overrides, inputs }),
  create: (config) => new Knn(checkKnnConfig(config)),
  fit: (model, data, options) => fitSeeded(model, data, options.generator),
};
