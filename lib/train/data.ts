// What fit reads: training and validation samples by index, assembled into one batch tensor
// on demand. The validation split is the caller's (for series, the time-ordered tail).
import { Shape, Tensor } from '../tensor';

export type Split = 'train' | 'validation';

export interface FitData {
  readonly trainCount: number;
  /** 0 when there is no validation data (early stopping then watches the training loss). */
  readonly validationCount: number;
  /** Samples `indices` of a split as one tensor [indices.length, ...sample shape]. */
  batch(split: Split, indices: ArrayLike<number>): Tensor;
}

/** A source of samples as host data, e.g. sliding windows: batch(indices) -> [n, ...shape] row-major. */
export interface SampleSource {
  readonly count: number;
  batch(indices: ArrayLike<number>): Float32Array;
}

/** FitData over host sources whose samples all have `sampleShape` (e.g. [T, F] for windows). */
export function fromSources(sampleShape: Shape, train: SampleSource, validation?: SampleSource): FitData {
  const per = sampleShape.reduce((a, d) => a * d, 1);
  const pick = (split: Split): SampleSource => {
    if (split === 'validation' && !validation) throw new Error('fit data: there is no validation split');
    return split === 'train' ? train : validation!;
  };
  return {
    trainCount: train.count,
    validationCount: validation?.count ?? 0,
    batch(split, indices) {
      const data = pick(split).batch(indices);
      if (data.length !== indices.length * per)
        throw new Error(`fit data: the ${split} source gave ${data.length} values for ${indices.length} samples of [${sampleShape.join(',')}]`);
      return Tensor.fromArray(data, [indices.length, ...sampleShape]);
    },
  };
}

/** Sliding windows as lib/data/windows' Windows offers them: count, length T, channels F, batch. */
export interface WindowSource extends SampleSource {
  readonly length: number;
  readonly channels: number;
}

/** FitData over training windows and (optionally) validation windows of the same [T, F]. */
export function fromWindows(train: WindowSource, validation?: WindowSource): FitData {
  if (validation && (validation.length !== train.length || validation.channels !== train.channels))
    throw new Error(`fit data: validation windows [${validation.length}, ${validation.channels}] differ from training windows [${train.length}, ${train.channels}]`);
  return fromSources([train.length, train.channels], train, validation);
}
