// The model contract: what every detector model offers the pipeline (training, scoring,
// calibration, the CLI), and the registry that rebuilds a model from its kind name. Models
// (models/<name>/) register themselves here on import, so lib/ loads a bundle without importing
// the model zoo, and no model name appears in lib/ (arrows point down: models -> lib).
import type { InputSpec } from './data/representation';
import type { Module } from './nn';
import type { InferencePlan } from './nn/inference_plan';
import type { FlagSpec } from './options';
import type { Generator } from './random';
import type { Tensor } from './tensor';
import type { FitData } from './train/data';
import type { FitOptions, FitResult } from './train/fit';

export type { InputSpec, InputKind } from './data/representation';

export interface AnomalyModel extends Module {
  /** Rows one input sample spans (a window's length; 1 for single rows). */
  readonly window: number;
  /**
   * What the model reads, built from scaled rows by lib/data/representation.ts (windows of
   * rows, a series of correlation matrices, single rows). Absent: windows of `window` rows.
   */
  readonly input?: InputSpec;
  /**
   * true when channelErrors/scores also take windows of `window` scaled rows [batch, window,
   * channels] and build the model's input from them (a matrix-series model that computes its
   * matrices itself): such a model runs on the Detector and its streams like a windows model.
   */
  readonly readsRowWindows?: boolean;
  /** Training loss of a batch of samples, optionally with named terms to log (see lib/train/fit). */
  loss(x: Tensor): Tensor | { loss: Tensor; terms?: Record<string, number> };
  /**
   * Per-sample, per-channel anomaly error [batch, channels]: a sample's score (reduced by
   * scoreReduction, over the per-channel error scale) and its attribution. A model with
   * `scores` may still give it, for attribution only.
   */
  channelErrors?(x: Tensor): Tensor;
  /**
   * Per-sample anomaly score [batch], for models whose score is not a reduction of per-channel
   * errors (a discriminator's feature distance). Such a score is used as it is: no error scale.
   */
  scores?(x: Tensor): Tensor;
  /** How a sample's score comes from its channel errors: their mean (default) or their max. */
  readonly scoreReduction?: 'mean' | 'max';
  /**
   * The eval-mode forward as one native call (a snapshot of the current weights) whose
   * `errors` output equals channelErrors; models without one are scored op by op.
   */
  inferencePlan?(): InferencePlan;
}

/** What a kind's settings file (its original system's) asks of training. */
export interface SettingsResult {
  /** Model config overrides. */
  config: Record<string, unknown>;
  /** Training options by `vigil train` flag name (epochs, lr, batch-size, ...); flags given win. */
  options: Record<string, number>;
  /** Lines to show the user (ignored or translated settings). */
  notes: string[];
}

/** The demo's reduced configuration of a kind (`vigil demo --models`). */
export interface DemoConfig {
  config: Record<string, unknown>;
  lr: number;
  /** One line for the printout and the report. */
  describe: string;
  /** Set for a kind `vigil demo` runs only when --models names it: why it is not in the default run. */
  optIn?: string;
}

export interface ModelKind<C = any, M extends AnomalyModel = AnomalyModel> {
  /** The name users type (`--model lstm-ae`) and bundles record. */
  kind: string;
  summary: string;
  /** The input representation, for listings (each model instance states its own `input`). */
  inputKind: InputSpec['kind'];
  /** The seed's configuration for data with `inputs` channels, with overrides applied. */
  defaultConfig(inputs: number, overrides?: Partial<C>): C;
  create(config: C, generator?: Generator): M;
  /** Named configurations (e.g. a paper's version) that `--config <name>` selects. */
  namedConfigs?: string[];
  /**
   * Calibrators of lib/calibrate's registry this kind supports beyond the score thresholds
   * every kind has (e.g. 'alpha' for models with per-channel Gaussian outputs).
   */
  calibrators?: string[];
  /** Reads a settings file of the original system (`vigil train --settings`). */
  readSettings?(text: string, file: string, channels: number): SettingsResult;
  /** Options the kind's settings or training add, shown by `vigil train --help`. */
  trainFlags?: FlagSpec;
  /**
   * `vigil train` flags that set one field of this kind's config each (flag name -> config
   * field); their specs are in trainFlags. Given with another kind, they are a usage error.
   */
  configFlags?: Record<string, string>;
  /** The demo's reduced configuration; kinds without one are not offered by `vigil demo`. */
  demo?: DemoConfig;
  /**
   * A training loop of its own (several optimisers, e.g. a GAN's generator and discriminators);
   * default: lib/train's fit, one optimiser on the model's loss().
   */
  fit?(model: M, data: FitData, options: FitOptions<M>): Promise<FitResult>;
}

const KINDS = new Map<string, ModelKind>();

export function registerModelKind(k: ModelKind): void {
  const had = KINDS.get(k.kind);
  if (had && had !== k) throw new Error(`model kind "${k.kind}" registered twice`);
  KINDS.set(k.kind, k);
}

/** Removes a kind (a plugin or a test that registered one for a while); true when it was there. */
export function unregisterModelKind(kind: string): boolean {
  return KINDS.delete(kind);
}

export function modelKinds(): string[] {
  return [...KINDS.keys()];
}

export function modelKind(kind: string): ModelKind {
  const k = KINDS.get(kind);
  if (!k) {
    const known = modelKinds();
    const hint = known.length ? `known: ${known.join(', ')}` : "no model kinds registered: import 'vigil-ad' or its models/ first";
    throw new Error(`unknown model "${kind}" (${hint})`);
  }
  return k;
}

/** A model must score: per-channel errors, a score of its own, or both. */
export function checkScores(kind: string, model: AnomalyModel): void {
  if (typeof model.channelErrors !== 'function' && typeof model.scores !== 'function')
    throw new Error(`model kind ${kind}: its model has neither channelErrors nor scores`);
}

/** Whether the model can be fed windows of `window` scaled rows (the Detector's input). */
export function takesRowWindows(model: AnomalyModel): boolean {
  return inputOf(model).kind === 'windows' || model.readsRowWindows === true;
}

/** The input a model reads: its own spec, or windows of its `window` rows. */
export function inputOf(model: AnomalyModel): InputSpec {
  return model.input ?? { kind: 'windows', length: model.window };
}
