// A trained detector on disk: the model's weights plus everything scoring needs (input schema,
// fitted scaler, window, per-channel error scale, threshold, a PCA baseline fitted on the same
// training rows), in one model bundle (lib/io/bundle.ts).
import type { OutlierMaskJSON } from '../data/outlier_mask';
import type { Schema } from '../data/schema';
import type { ScalerJSON } from '../data/scaler';
import { checkTabularInput, type TabularInput } from '../data/tabular_input';
import type { PcaModel } from '../eval/baselines';
import type { Threshold } from '../calibrate/thresholds';
import { BundleError, loadBundle, saveBundle } from '../io/bundle';
import { checkErrorScale } from '../calibrate/error_scale';
import { modelKind, type AnomalyModel } from '../model';
import { withAllocationBudget } from '../tensor';
import { checkConfigSizes, checkDetectorInfo, checkFiniteTensors } from './detector_checks';

export interface DetectorInfo {
  schema: Schema;
  scaler: ScalerJSON;
  windows: { length: number; stride: number };
  threshold: Threshold;
  /**
   * Per-channel error scale (lib/calibrate/error_scale.ts): the threshold rule scores, ranks and
   * reports e_c / errorScale[c]. Absent (bundles before it, `train --error-scale none`): scale 1.
   */
  errorScale?: number[];
  /** Input cleaning fitted on the training rows (train --clean): applied to training and validation rows only; kept for the record. */
  cleaning?: OutlierMaskJSON;
  /** Training summary: data source, epochs, losses, seed. */
  training?: Record<string, unknown>;
  /** PCA baseline fitted on the same scaled training rows, for side-by-side reports. */
  pca?: PcaJSON;
  /** The PCA baseline's threshold, fitted like the model's on the validation rows. */
  pcaThreshold?: Threshold;
  /**
   * Tabular rows (lib/data/tabular_input.ts): the one-hot vocabulary, unseen-category policy and
   * protocol the training rows were read with; scoring data is encoded with them before the scaler.
   */
  tabular?: TabularInput;
}

type PcaJSON = Omit<PcaModel, 'mean' | 'components' | 'eigenvalues'> & { mean: number[]; components: number[]; eigenvalues: number[] };

export function pcaToJSON(p: PcaModel): PcaJSON {
  return { ...p, mean: Array.from(p.mean), components: Array.from(p.components), eigenvalues: Array.from(p.eigenvalues) };
}

export function pcaFromJSON(p: PcaJSON): PcaModel {
  return { ...p, mean: Float64Array.from(p.mean), components: Float64Array.from(p.components), eigenvalues: Float64Array.from(p.eigenvalues) };
}

export interface LoadedDetector {
  kind: string;
  config: any;
  model: AnomalyModel;
  info: DetectorInfo;
}

export function saveDetector(path: string, kind: string, config: unknown, model: AnomalyModel, info: DetectorInfo): void {
  saveBundle(path, { kind, config, tensors: model.stateDict(), sections: { ...info } as Record<string, unknown> });
}

/** Slack over the stored weights' bytes that building a model may allocate (initialisers' temporaries). */
const BUILD_SLACK = 64 << 20;

export function loadDetector(path: string): LoadedDetector {
  const b = loadBundle(path);
  const fail = (e: unknown) => new BundleError(path, (e as Error).message);
  for (const key of ['schema', 'scaler', 'windows', 'threshold'])
    if (!b.sections[key]) throw fail(new Error(`no "${key}" section: not a trained detector`));
  let kind;
  try {
    checkFiniteTensors(b.tensors);
    checkConfigSizes(b.config, b.tensors.size);
    kind = modelKind(b.kind);
  } catch (e) {
    throw fail(e);
  }
  // The config decides what the model allocates; it is bounded by what the file itself holds,
  // so a small file whose config asks for huge layers is refused before it costs gigabytes.
  let stored = 0;
  for (const t of b.tensors.values()) stored += t.data.byteLength;
  let model: AnomalyModel;
  try {
    model = withAllocationBudget(4 * stored + BUILD_SLACK, `the config of kind "${b.kind}" asks for far more memory than the ${stored} bytes of weights stored with it`, () => {
      let m: AnomalyModel;
      try {
        m = kind.create(b.config);
      } catch (e) {
        throw new Error(`config: ${(e as Error).message}`);
      }
      try {
        m.loadStateDict(b.tensors);
      } catch (e) {
        m.dispose();
        throw e;
      }
      return m;
    });
  } catch (e) {
    throw fail(e);
  }
  model.eval();
  const info = b.sections as unknown as DetectorInfo;
  try {
    checkDetectorInfo(b.sections, model);
    checkErrorScale(info.errorScale, info.schema.columns.length);
    if (info.tabular !== undefined) checkTabularInput(info.tabular, info.schema.columns);
  } catch (e) {
    model.dispose();
    throw fail(e);
  }
  return { kind: b.kind, config: b.config, model, info };
}
