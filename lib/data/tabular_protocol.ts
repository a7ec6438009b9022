// A labelled table -> the encoded, labelled parts of a one-class protocol (tabular_split.ts):
// train (label 0 only), validation (honest protocol only, label 0 only) and test (at most 20%
// label 1), each a Series with 0/1 labels, plus the fitted encoder to store with the model.
import { CategoricalEncoder, type UnseenCount, type UnseenPolicy } from './categorical';
import { DataError } from './errors';
import type { Series } from './series';
import type { Table } from './tabular';
import { binaryLabels } from './tabular_labels';
import { honestSplit, paperSplit, type RowSplit, type SplitOptions } from './tabular_split';

export type TabularProtocol = 'paper' | 'honest';

export interface TabularProtocolOptions extends SplitOptions {
  /** The classes labelled 1 (KDD for ALAD: ['normal.']). */
  anomalous: readonly string[];
  /** Default 'honest' (thresholds from a validation split, not from the test). */
  protocol?: TabularProtocol;
  /**
   * Rows the category vocabulary is fitted on: 'training' (default) is the training half's
   * label-0 rows, i.e. the paper's training set (under the honest protocol: training plus
   * validation, so both protocols encode the same way); 'all' is every row of the table, as the
   * original ALAD code does (pd.get_dummies before the split): it reads no label, but lets the
   * test's categories into the input width (121 on KDD's 10% file).
   */
  vocabulary?: 'training' | 'all';
  /** Categories of validation/test rows not in the vocabulary. Default 'zeros' (categorical.ts). */
  unseen?: UnseenPolicy;
  /**
   * Encode every part with this (a trained model's) encoder instead of fitting one: the split is
   * the same for the same seed, and the parts get exactly the model's input columns.
   */
  encoder?: CategoricalEncoder;
}

export interface TabularParts {
  protocol: TabularProtocol;
  train: Series;
  validation?: Series;
  test: Series;
  encoder: CategoricalEncoder;
  /** Unseen categories met while encoding each part (train has none unless the encoder was given). */
  unseen: { train?: UnseenCount[]; validation?: UnseenCount[]; test: UnseenCount[] };
  /** The table rows of each part. */
  split: RowSplit;
}

export function tabularProtocol(table: Table, opts: TabularProtocolOptions): TabularParts {
  if (!table.label) throw new DataError('the table has no label column (name it with `label`)', { file: table.source });
  const labels = binaryLabels(table.label, opts.anomalous, table.source);
  const protocol = opts.protocol ?? 'honest';
  if (protocol !== 'paper' && protocol !== 'honest') throw new DataError(`protocol must be paper or honest, got "${String(protocol)}"`);
  const split = protocol === 'paper' ? paperSplit(labels, opts) : honestSplit(labels, opts);
  const fitRows = opts.vocabulary === 'all' ? undefined : concat(split.train, split.validation);
  const encoder = opts.encoder ?? CategoricalEncoder.fit(table, fitRows);
  const part = (rows: Int32Array, name: string) => {
    const e = encoder.transform(table, { rows, unseen: opts.unseen });
    const series: Series = { ...e.series, labels: Uint8Array.from(rows, (r) => labels[r]), source: `${table.source} (${protocol} ${name})` };
    return { series, unseen: e.unseen };
  };
  // A given encoder may not know a training category either: the policy applies there too.
  const train = part(split.train, 'train');
  const test = part(split.test, 'test');
  const validation = split.validation && part(split.validation, 'validation');
  return {
    protocol,
    train: train.series,
    ...(validation ? { validation: validation.series } : {}),
    test: test.series,
    encoder,
    unseen: { ...(train.unseen.length ? { train: train.unseen } : {}), ...(validation ? { validation: validation.unseen } : {}), test: test.unseen },
    split,
  };
}

function concat(a: Int32Array, b?: Int32Array): Int32Array {
  if (!b) return a;
  const out = new Int32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
