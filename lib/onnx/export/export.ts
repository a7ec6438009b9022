// Export of a trained model (or a whole detector bundle) to one ONNX file. The graph reads
// `x` float32 [batch, window, channels], already scaled with the detector's scaler; what it
// outputs is the model's choice (models/*.ts toOnnx): LSTM-AE `reconstruction` and
// `channel_errors`, DC-VAE `x_mean`, `x_log_var` and `channel_errors`. Everything scoring needs
// besides the weights travels as JSON strings in metadata_props (META_KEYS). channel_errors are
// raw: a runtime divides them by vigil.errorScale (when present) before it takes their mean
// (LSTM-AE) or max (DC-VAE) and compares that with vigil.threshold. A model that scores on its
// own (ALAD over single rows: x [batch, 1, inputs]) outputs `scores` [batch], compared with
// vigil.threshold as they are (no error scale).
import type { LoadedDetector } from '../../detect/detector_bundle';
import type { AnomalyModel } from '../../model';
import { GraphBuilder } from '../graph/builder';
import { registerOnnxruntimeBackend } from './backend';
import { INPUT } from './metadata';

export { INPUT };

/** The metadata_props keys a detector export writes (values are JSON, except kind). */
export const META_KEYS = {
  kind: 'vigil.kind',
  config: 'vigil.config',
  schema: 'vigil.schema',
  scaler: 'vigil.scaler',
  windows: 'vigil.windows',
  threshold: 'vigil.threshold',
  alpha: 'vigil.alpha',
  /** Per-channel error scale (absent: 1): the threshold rule's score is of channel_errors / it. */
  errorScale: 'vigil.errorScale',
} as const;

/** A model that can emit its inference graph. */
export interface OnnxModel extends AnomalyModel {
  readonly config: { inputs: number };
  /** Appends the model's nodes reading `input` and declares its outputs; returns their names. */
  toOnnx(g: GraphBuilder, input: string): string[];
}

export function onnxModelOf(model: AnomalyModel): OnnxModel {
  const m = model as unknown as Partial<OnnxModel>;
  if (typeof m.toOnnx !== 'function') throw new Error(`onnx export: ${model.constructor.name} has no ONNX graph (no toOnnx method)`);
  if (!Number.isInteger(m.config?.inputs)) throw new Error(`onnx export: ${model.constructor.name} does not say its channel count (config.inputs)`);
  return m as OnnxModel;
}

/** The model's graph, input declared, outputs and metadata set, not yet encoded. */
export function modelGraph(model: AnomalyModel, meta: Record<string, string> = {}): GraphBuilder {
  const m = onnxModelOf(model);
  const kind = meta[META_KEYS.kind] ?? m.constructor.name;
  const g = new GraphBuilder(`vigil_${kind.replace(/\W/g, '_')}`,
    `vigil ${kind}: x [batch, ${m.window}, ${m.config.inputs}] float32, scaled as metadata vigil.scaler says`);
  m.toOnnx(g, g.input(INPUT, ['batch', m.window, m.config.inputs]));
  for (const [k, v] of Object.entries(meta)) g.meta(k, v);
  return g;
}

/** One model as ONNX bytes; meta lands in metadata_props as given. */
export function exportModelOnnx(model: AnomalyModel, meta?: Record<string, string>): Uint8Array {
  return modelGraph(model, meta).encode();
}

/** The metadata_props of a detector bundle: kind, config, schema, scaler, windows, threshold, alpha, errorScale. */
export function detectorMetadata(det: LoadedDetector): Record<string, string> {
  const info = det.info as LoadedDetector['info'] & { alpha?: unknown };
  const meta: Record<string, string> = {
    [META_KEYS.kind]: det.kind,
    [META_KEYS.config]: JSON.stringify(det.config),
    [META_KEYS.schema]: JSON.stringify(info.schema),
    [META_KEYS.scaler]: JSON.stringify(info.scaler),
    [META_KEYS.windows]: JSON.stringify(info.windows),
    [META_KEYS.threshold]: JSON.stringify(info.threshold),
  };
  if (info.alpha !== undefined) meta[META_KEYS.alpha] = JSON.stringify(info.alpha);
  if (info.errorScale !== undefined) meta[META_KEYS.errorScale] = JSON.stringify(info.errorScale);
  return meta;
}

/** A loaded detector bundle as ONNX bytes, with its scoring sections in metadata_props. */
export function exportDetectorOnnx(det: LoadedDetector): Uint8Array {
  return exportModelOnnx(det.model, detectorMetadata(det));
}

// Whoever can export a detector can run the export: Detector.load(path, { backend: 'onnxruntime' })
// finds this backend once this module is loaded (lib/index.ts and so the package entry load it through lib/onnx).
registerOnnxruntimeBackend(exportDetectorOnnx);
