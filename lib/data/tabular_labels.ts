// A text label column -> per-row 0/1 ground truth, given which classes count as anomalous. The
// choice is the caller's because it is the protocol's: ALAD on KDD Cup 99 treats `normal.`
// traffic as the anomalous (rare after rebalancing) class and every attack as normal.
import { DataError } from './errors';
import type { Categories } from './tabular';

/**
 * 1 for the rows whose class is one of `anomalous` (exact text, after the reader's trimming),
 * 0 otherwise. When none of the `anomalous` classes occurs at all the call is refused: every
 * label would be 0, which is almost always a misspelt class (KDD's classes end in '.').
 */
export function binaryLabels(label: Categories, anomalous: readonly string[], file?: string): Uint8Array {
  const wanted = new Set(anomalous);
  const isAnomalous = Uint8Array.from(label.levels, (v) => (wanted.has(v) ? 1 : 0));
  if (!isAnomalous.includes(1)) {
    const shown = label.levels.length > 30 ? `${label.levels.slice(0, 30).join(', ')}, ...` : label.levels.join(', ');
    throw new DataError(`none of the anomalous classes ${anomalous.map((a) => `"${a}"`).join(', ')} occurs (the classes are: ${shown})`, { file, column: label.name });
  }
  const out = new Uint8Array(label.codes.length);
  for (let r = 0; r < out.length; r++) out[r] = isAnomalous[label.codes[r]];
  return out;
}
