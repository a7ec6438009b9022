// What loadDetector checks of a bundle's content, beyond its checksum (a bundle re-signed after
// an edit passes that): every weight finite, every section of the right type and consistent
// with the others and with the model, so that scoring never runs on a NaN weight or a threshold
// of null and reports "0 flagged". Each error names the section and what was found.
import { Scaler, type ScalerJSON } from '../data/scaler';
import { checkThreshold } from '../eval/threshold';
import type { SafeTensor } from '../io/safetensors';
import type { AnomalyModel } from '../model';
import type { DetectorInfo } from './detector_bundle';

/** Throws naming the first tensor with a NaN or infinite value. */
export function checkFiniteTensors(tensors: Map<string, SafeTensor>): void {
  for (const [name, t] of tensors) {
    const d = t.data;
    for (let i = 0; i < d.length; i++)
      if (!Number.isFinite(d[i])) throw new Error(`tensor "${name}" [${t.shape.join(', ')}] holds ${d[i]} at element ${i}: a trained detector's weights are finite`);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const positiveInt = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 1;

/** Throws naming the section unless schema, scaler, windows and thresholds are well formed and agree with the model. */
export function checkDetectorInfo(info: DetectorInfo, model: AnomalyModel): void {
  const { schema, windows } = info as unknown as Record<string, unknown> & DetectorInfo;
  if (!isObject(schema) || !Array.isArray(schema.columns) || !schema.columns.length || schema.columns.some((c) => typeof c !== 'string'))
    throw new Error('schema must be { columns: [one or more names] }');
  if (new Set(schema.columns).size !== schema.columns.length) throw new Error('schema.columns has a name twice');
  if (!isObject(info.scaler)) throw new Error('scaler must be an object');
  try {
    Scaler.fromJSON(info.scaler as ScalerJSON);
  } catch (e) {
    throw new Error(`scaler: ${(e as Error).message}`);
  }
  if (!isObject(windows) || !positiveInt(windows.length) || !positiveInt(windows.stride))
    throw new Error(`windows must be { length, stride } of positive integers, not ${JSON.stringify(windows)}`);
  // The stream keeps `length` rows: a length the model does not read would size it wrongly.
  if (windows.length !== model.window) throw new Error(`windows.length ${windows.length} is not the model's window ${model.window}`);
  checkThreshold(info.threshold, 'threshold');
  if (info.pcaThreshold !== undefined) checkThreshold(info.pcaThreshold, 'pcaThreshold');
}
