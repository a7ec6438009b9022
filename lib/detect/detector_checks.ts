// What loadDetector checks of a bundle's content, beyond its checksum (a bundle re-signed after
// an edit passes that): every weight finite, every section of the right type and consistent
// with the others and with the model, so that scoring never runs on a NaN weight or a threshold
// of null and reports "0 flagged", and a config that cannot describe the stored weights is
// refused before the model is built. Each error names the section and what was found.
import { Scaler, type ScalerJSON } from '../data/scaler';
import { checkThreshold } from '../eval/threshold';
import type { SafeTensor } from '../io/safetensors';
import type { AnomalyModel } from '../model';

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

/**
 * Throws unless the config is an object whose lists are no longer than the stored tensors are
 * many: a list of layers longer than that cannot match the weights, and building 10,000 tiny
 * layers takes seconds before loadStateDict could say so.
 */
export function checkConfigSizes(config: unknown, tensors: number): void {
  if (!isObject(config)) throw new Error(`config must be an object, not ${JSON.stringify(config)}`);
  const walk = (v: unknown, path: string): void => {
    if (Array.isArray(v) && v.length > tensors)
      throw new Error(`config: ${path} has ${v.length} entries, more than the ${tensors} tensors stored could hold`);
    if (v && typeof v === 'object') for (const [k, c] of Object.entries(v)) walk(c, `${path}.${k}`);
  };
  walk(config, 'config');
}

/** An alpha section (per-channel Gaussian bounds, dc-vae): up and down, one per column, each >= 0 or null (no bound). */
function checkAlphaSection(alpha: unknown, columns: number): void {
  if (!isObject(alpha)) throw new Error(`alpha must be an object { up, down, method, params }, not ${JSON.stringify(alpha)}`);
  for (const side of ['up', 'down'] as const) {
    const a = alpha[side];
    if (!Array.isArray(a) || a.length !== columns || !a.every((v) => v === null || (typeof v === 'number' && v >= 0 && Number.isFinite(v))))
      throw new Error(`alpha.${side} must hold ${columns} numbers >= 0 (or null: no bound), one per column, not ${JSON.stringify(a)}`);
  }
}

/** Throws naming the section unless schema, scaler, windows and thresholds are well formed and agree with the model. */
export function checkDetectorInfo(info: Record<string, unknown>, model: AnomalyModel): void {
  const { schema, windows } = info;
  if (!isObject(schema) || !Array.isArray(schema.columns) || !schema.columns.length || schema.columns.some((c) => typeof c !== 'string'))
    throw new Error('schema must be { columns: [one or more names] }');
  const columns = schema.columns as string[];
  if (new Set(columns).size !== columns.length) throw new Error('schema.columns has a name twice');
  if (!isObject(info.scaler)) throw new Error('scaler must be an object');
  try {
    Scaler.fromJSON(info.scaler as unknown as ScalerJSON);
  } catch (e) {
    throw new Error(`scaler: ${(e as Error).message}`);
  }
  // The scaler checks the data's columns by its own names. Tabular rows are encoded first, and
  // both the scaler and the schema name the encoded columns (the scaler is fitted on them).
  const scaled = (info.scaler as unknown as ScalerJSON).columns;
  if ((scaled.length !== columns.length || scaled.some((c, i) => c !== columns[i])))
    throw new Error(`scaler.columns ${JSON.stringify(scaled)} are not schema.columns ${JSON.stringify(columns)}`);
  if ('alpha' in info) checkAlphaSection(info.alpha, columns.length);
  if (!isObject(windows) || !positiveInt(windows.length) || !positiveInt(windows.stride))
    throw new Error(`windows must be { length, stride } of positive integers, not ${JSON.stringify(windows)}`);
  // The stream keeps `length` rows: a length the model does not read would size it wrongly.
  if (windows.length !== model.window) throw new Error(`windows.length ${windows.length} is not the model's window ${model.window}`);
  checkThreshold(info.threshold, 'threshold');
  if (info.pcaThreshold !== undefined) checkThreshold(info.pcaThreshold, 'pcaThreshold');
}
