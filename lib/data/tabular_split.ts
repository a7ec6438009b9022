// Seeded row splits of a labelled table for one-class training (ALAD's protocol, seed-models.md
// §4.4), as row indices:
//
//   paper:  a random half of the rows (floor(n * trainFraction)) is the training half, the rest
//           the test half. Training keeps only its label-0 rows. The test keeps every label-0 row
//           of its half plus at most floor(n0 * rho / (1 - rho)) label-1 rows (a random choice
//           of them), so at most rho (0.2) of it is label 1, and is shuffled.
//   honest: the same, then a random validationFraction of the training rows (all label 0) is
//           held out for fitting thresholds, never trained on. Training + validation is the
//           paper's training set and the test set is the paper's, row for row, for one seed.
//
// The randomness is Philox (lib/random.ts) seeded with `seed` (default 42, the original's
// random_state), not pandas'/NumPy's generator: the same seed picks different rows than the
// Python code, with the same sizes up to the rounding noted above (pandas rounds n/2 to even).
import { Generator } from '../random';

export interface SplitOptions {
  /** Default 42. */
  seed?: number;
  /** The training half's share of the rows. Default 0.5. */
  trainFraction?: number;
  /** Most label-1 share of the test rows (rho). Default 0.2. */
  maxAnomalyRatio?: number;
  /** honest: the training rows held out as validation. Default 0.1. */
  validationFraction?: number;
}

export interface RowSplit {
  /** Label-0 rows, ascending. */
  train: Int32Array;
  /** honest only: label-0 rows, ascending. */
  validation?: Int32Array;
  /** Shuffled. */
  test: Int32Array;
}

export function paperSplit(labels: Uint8Array, opts: SplitOptions = {}): RowSplit {
  return splitWith(new Generator(opts.seed ?? 42), labels, opts);
}

export function honestSplit(labels: Uint8Array, opts: SplitOptions = {}): RowSplit {
  const vf = opts.validationFraction ?? 0.1;
  fraction('validationFraction', vf, true);
  // The same generator continues after the paper split, whose draws depend only on the row
  // counts: the test rows are the paper protocol's.
  const gen = new Generator(opts.seed ?? 42);
  const { train, test } = splitWith(gen, labels, opts);
  const order = gen.permutation(train.length);
  const nVal = Math.floor(train.length * vf);
  const pick = (from: number, to: number) => ascending(Int32Array.from(order.subarray(from, to), (k) => train[k]));
  return { train: pick(nVal, train.length), validation: pick(0, nVal), test };
}

function splitWith(gen: Generator, labels: Uint8Array, opts: SplitOptions): RowSplit {
  const tf = opts.trainFraction ?? 0.5;
  const rho = opts.maxAnomalyRatio ?? 0.2;
  fraction('trainFraction', tf, false);
  fraction('maxAnomalyRatio', rho, false);
  const n = labels.length;
  const order = gen.permutation(n);
  const nTrain = Math.floor(n * tf);
  const train = ascending(order.subarray(0, nTrain).filter((r) => labels[r] === 0));
  const testHalf = order.subarray(nTrain);
  const zeros = testHalf.filter((r) => labels[r] === 0);
  const ones = testHalf.filter((r) => labels[r] === 1);
  // As the original's _adapt: int(n0 * rho / (1 - rho)), evaluated in that order.
  const keep = Math.min(ones.length, Math.floor((zeros.length * rho) / (1 - rho)));
  const chosen = gen.permutation(ones.length).subarray(0, keep);
  const pooled = new Int32Array(zeros.length + keep);
  pooled.set(zeros);
  for (let i = 0; i < keep; i++) pooled[zeros.length + i] = ones[chosen[i]];
  const shuffle = gen.permutation(pooled.length);
  return { train, test: Int32Array.from(shuffle, (k) => pooled[k]) };
}

function ascending(a: Int32Array): Int32Array {
  return a.sort();
}

function fraction(name: string, v: number, zeroOk: boolean): void {
  if (!(v < 1 && (zeroOk ? v >= 0 : v > 0))) throw new RangeError(`${name} must be in ${zeroOk ? '[0' : '(0'}, 1), got ${v}`);
}
