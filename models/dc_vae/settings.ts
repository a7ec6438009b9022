// DC-VAE upstream settings files (settings/model_settings.txt) for `vigil train --settings`.
// Upstream reads them with json.load, so the file is a JSON object; `key = value` lines (one
// setting per line, `#` comments, values as JSON or Python literals, bare words as strings) are
// accepted too. What each key becomes:
//   T, cnn_units, dil_rate, kernel, J      -> the model config (upstream HEAD's layer indexing)
//   batch_size, epochs, lr, val_percent, seed -> the training flags of the same meaning
//   wo_outliers, max_std                   -> --clean (7-sigma masking of the training rows)
//   M                                      -> checked against the data's channel count
//   strs                                   -> must be 1 (the causal convolutions have stride 1)
//   custom_metrics                         -> reported: it selects range-based F1 at calibrate
// Ignored with a note: scale (the scaler always runs), lr_decay/decay_rate/decay_step (no
// schedule), activation and alpha_reg (unused upstream too), dataset_name, model_name, summary.
// Upstream's fixed early stopping (patience 5, min_delta 1e-2) applies unless flags say otherwise.
import type { SettingsResult } from '../../lib/model';
import { upstreamLayout, type DcVaeConfig } from './model';
import { UsageError } from '../../lib/options';

export type Settings = Record<string, unknown>;

/** Parses a settings file: a JSON object, or `key = value` lines. */
export function parseSettings(text: string, file = 'settings'): Settings {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    try {
      const v = JSON.parse(trimmed);
      if (v && typeof v === 'object' && !Array.isArray(v)) return v as Settings;
    } catch (e) {
      throw new UsageError(`${file}: not valid JSON: ${(e as Error).message}`);
    }
    throw new UsageError(`${file}: expected a JSON object of settings`);
  }
  const out: Settings = {};
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/\s+#.*$|^#.*$/, '').trim();
    if (!line) return;
    const m = /^([A-Za-z_][\w-]*)\s*[=:]\s*(.*?)\s*,?$/.exec(line);
    if (!m) throw new UsageError(`${file}:${i + 1}: expected "key = value", got "${raw.trim()}"`);
    out[m[1]] = literal(m[2]);
  });
  return out;
}

function literal(s: string): unknown {
  const py: Record<string, unknown> = { True: true, False: false, None: null };
  if (s in py) return py[s];
  try {
    return JSON.parse(s.replace(/'/g, '"').replace(/\bTrue\b/g, 'true').replace(/\bFalse\b/g, 'false'));
  } catch {
    return s.replace(/^["']|["']$/g, '');
  }
}

export interface SettingsOptions {
  /** Model config overrides for dc-vae. */
  config: Partial<DcVaeConfig>;
  /** Training flags taken from the file (train's flag names). */
  flags: Record<string, number>;
  /** --clean value (max stds) when wo_outliers is on. */
  clean?: number;
  /** custom_metrics: upstream calibrated with range-based F1. */
  rangeF1?: boolean;
  notes: string[];
}

const num = (file: string, key: string, v: unknown): number => {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new UsageError(`${file}: "${key}" must be a number, got ${JSON.stringify(v)}`);
  return v;
};
const numList = (file: string, key: string, v: unknown): number[] => {
  if (!Array.isArray(v) || !v.length) throw new UsageError(`${file}: "${key}" must be a non-empty list of numbers, got ${JSON.stringify(v)}`);
  return v.map((x) => num(file, key, x));
};

/** What a settings file asks of `vigil train` for data with `channels` columns. */
export function settingsOptions(s: Settings, channels: number, file = 'settings'): SettingsOptions {
  const out: SettingsOptions = { config: {}, flags: {}, notes: [] };
  const has = (k: string) => s[k] !== undefined;
  if (has('M') && num(file, 'M', s.M) !== channels)
    throw new UsageError(`${file}: M = ${s.M} but the data has ${channels} channels`);
  if (has('strs') && num(file, 'strs', s.strs) !== 1) throw new UsageError(`${file}: strs = ${s.strs}: only stride 1 is supported (causal convolutions)`);
  if (has('T')) out.config.window = num(file, 'T', s.T);
  if (has('kernel')) out.config.kernel = num(file, 'kernel', s.kernel);
  if (has('J')) out.config.latent = num(file, 'J', s.J);
  if (has('cnn_units') || has('dil_rate')) {
    if (!has('cnn_units') || !has('dil_rate')) throw new UsageError(`${file}: cnn_units and dil_rate come together`);
    try {
      Object.assign(out.config, upstreamLayout(numList(file, 'cnn_units', s.cnn_units), numList(file, 'dil_rate', s.dil_rate), 'head'));
    } catch (e) {
      throw new UsageError(`${file}: ${(e as Error).message}`);
    }
  }
  const flag = (key: string, name: string) => {
    if (has(key)) out.flags[name] = num(file, key, s[key]);
  };
  flag('batch_size', 'batch-size');
  flag('epochs', 'epochs');
  flag('lr', 'lr');
  flag('val_percent', 'validation');
  flag('seed', 'seed');
  out.flags.patience = 5; // upstream's EarlyStopping(min_delta=1e-2, patience=5)
  out.flags['min-delta'] = 1e-2;
  if (s.wo_outliers === true) out.clean = has('max_std') ? num(file, 'max_std', s.max_std) : 7;
  if (s.custom_metrics === true) out.rangeF1 = true;
  if (s.scale === false) out.notes.push('scale = false: ignored, the scaler always runs (fitted on training rows)');
  if (s.lr_decay === true) out.notes.push('lr_decay = true: ignored, no learning-rate schedule (the rate stays at lr)');
  for (const k of ['activation', 'alpha_reg']) if (has(k)) out.notes.push(`${k}: ignored (unused upstream too)`);
  const known = new Set(['M', 'strs', 'T', 'kernel', 'J', 'cnn_units', 'dil_rate', 'batch_size', 'epochs', 'lr', 'val_percent', 'seed',
    'wo_outliers', 'max_std', 'custom_metrics', 'scale', 'lr_decay', 'decay_rate', 'decay_step', 'activation', 'alpha_reg',
    'dataset_name', 'model_name', 'summary']);
  const unknown = Object.keys(s).filter((k) => !known.has(k));
  if (unknown.length) throw new UsageError(`${file}: unknown setting(s) ${unknown.join(', ')}`);
  return out;
}

/** `vigil train --settings`: the file's meaning for `vigil train` (ModelKind.readSettings). */
export function readDcVaeSettings(text: string, file: string, channels: number): SettingsResult {
  const s = settingsOptions(parseSettings(text, file), channels, file);
  const options: Record<string, number> = { ...s.flags };
  if (s.clean !== undefined) options.clean = s.clean;
  const notes = [...s.notes];
  if (s.rangeF1) notes.push('custom_metrics = true: calibrate with --method alpha --alpha-metric range --range-bias front --range-cardinality reciprocal to match upstream');
  return { config: s.config, options, notes };
}

export const SETTINGS_FLAGS = {
  settings: { type: 'string', help: 'dc-vae: an upstream DC-VAE settings file (JSON or key = value lines); flags given override it' },
} as const;
