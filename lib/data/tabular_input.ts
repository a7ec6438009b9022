// What a detector trained on tabular rows keeps of how its rows were read: the bundle's
// `tabular` section. Scoring data (calibrate, detect, evaluate, a service) is encoded with
// exactly the training-time one-hot vocabulary and unseen-category policy, and split by the same
// protocol and seed, so the same source gives the same validation and test rows. (Numeric
// scaling is the bundle's `scaler`, fitted on the encoded training rows and applied after this.)
import { CategoricalEncoder, type CategoricalEncoderJSON, type UnseenPolicy } from './categorical';
import { DataError } from './errors';
import type { TabularProtocol } from './tabular_protocol';
import { TABULAR_PRESETS, type TabularData, type TabularPresetName, type TabularPresetOptions } from './tabular_presets';

export interface TabularInput {
  format: 'vigil-tabular-input';
  version: 1;
  /** The preset the training rows were read with (kddcup99, arrhythmia, tabular). */
  preset: TabularPresetName;
  /** The fitted one-hot vocabulary (categorical.ts); its output columns are the schema's. */
  encoder: CategoricalEncoderJSON;
  /** Categories the vocabulary lacks: 'zeros' (an all-zero block, counted) or 'error'. */
  unseen: UnseenPolicy;
  /** How the training source was split ('none': every row was training data). */
  protocol: TabularProtocol | 'none';
  seed: number;
  trainFraction: number;
  maxAnomalyRatio: number;
  validationFraction: number;
  vocabulary: 'training' | 'all';
  /** The classes labelled 1. */
  anomalous?: string[];
  /** The table rows kept before the split (--rows), when not all. */
  rows?: string;
}

const FORMAT = 'vigil-tabular-input';

/** The section for a model trained on `data`, read with `opts` (the split defaults filled in). */
export function tabularInput(preset: TabularPresetName, data: TabularData, opts: TabularPresetOptions, rows?: string): TabularInput {
  return {
    format: FORMAT, version: 1, preset, encoder: data.encoder.toJSON(), unseen: opts.unseen ?? 'zeros', protocol: data.protocol,
    seed: opts.seed ?? 42, trainFraction: opts.trainFraction ?? 0.5, maxAnomalyRatio: opts.maxAnomalyRatio ?? 0.2,
    validationFraction: opts.validationFraction ?? 0.1, vocabulary: opts.vocabulary ?? 'training',
    ...(opts.anomalous ? { anomalous: [...opts.anomalous] } : {}), ...(rows ? { rows } : {}),
  };
}

/** A bundle's section checked: well formed, and its encoder's columns are the model's `columns`. */
export function checkTabularInput(json: unknown, columns: readonly string[]): TabularInput {
  const bad = (why: string) => new DataError(`tabular section: ${why}`);
  const t = json as Partial<TabularInput> | null;
  if (!t || typeof t !== 'object' || t.format !== FORMAT) throw bad(`not a ${FORMAT} object`);
  if (t.version !== 1) throw bad(`version ${String(t.version)} is not supported (this reader knows 1)`);
  if (!TABULAR_PRESETS.includes(t.preset as TabularPresetName)) throw bad(`preset "${String(t.preset)}" is not one of ${TABULAR_PRESETS.join(', ')}`);
  if (t.unseen !== 'zeros' && t.unseen !== 'error') throw bad(`unseen must be zeros or error, got "${String(t.unseen)}"`);
  if (!['paper', 'honest', 'none'].includes(t.protocol as string)) throw bad(`protocol must be paper, honest or none, got "${String(t.protocol)}"`);
  for (const k of ['seed', 'trainFraction', 'maxAnomalyRatio', 'validationFraction'] as const)
    if (typeof t[k] !== 'number' || !Number.isFinite(t[k])) throw bad(`${k} is not a number`);
  const out = CategoricalEncoder.fromJSON(t.encoder).outputColumns;
  if (out.length !== columns.length || out.some((c, i) => c !== columns[i]))
    throw bad(`the encoder gives ${out.length} columns, the model's schema has ${columns.length} (or they differ by name)`);
  return t as TabularInput;
}

/**
 * How to read scoring data for a model with section `t`: always its encoder; its unseen policy,
 * protocol and split unless the caller gives them (a file of new rows: protocol 'none').
 */
export function scoringOptions(t: TabularInput, given: TabularPresetOptions = {}): TabularPresetOptions {
  const defined = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)) as TabularPresetOptions;
  return {
    unseen: t.unseen, protocol: t.protocol, seed: t.seed, trainFraction: t.trainFraction, maxAnomalyRatio: t.maxAnomalyRatio,
    validationFraction: t.validationFraction, ...(t.anomalous ? { anomalous: t.anomalous } : {}),
    ...defined, encoder: t.encoder,
  };
}
