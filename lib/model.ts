// What every detector model offers the training loop and the scoring code, and the registry that
// rebuilds a model from its kind name. Models (models/) register themselves here, so lib/ can
// load a bundle without importing the model zoo (arrows point down: models -> lib).
import type { Module } from './nn';
import type { InferencePlan } from './nn/inference_plan';
import type { Generator } from './random';
import type { Tensor } from './tensor';

export interface AnomalyModel extends Module {
  /** Window length the model takes ([batch, window, channels]). */
  readonly window: number;
  /** Training loss of a batch of windows, optionally with named terms to log (see lib/train/fit). */
  loss(x: Tensor): Tensor | { loss: Tensor; terms?: Record<string, number> };
  /** Per-window, per-channel anomaly error [batch, channels]. */
  channelErrors(x: Tensor): Tensor;
  /** How a window's score comes from its channel errors: their mean (default) or their max. */
  readonly scoreReduction?: 'mean' | 'max';
  /**
   * The eval-mode forward as one native call (a snapshot of the current weights) whose
   * `errors` output equals channelErrors; models without one are scored op by op.
   */
  inferencePlan?(): InferencePlan;
}

export interface ModelKind<C = any, M extends AnomalyModel = AnomalyModel> {
  /** The name users type (`--model lstm-ae`) and bundles record. */
  kind: string;
  summary: string;
  /** The seed's configuration for data with `inputs` channels, with overrides applied. */
  defaultConfig(inputs: number, overrides?: Partial<C>): C;
  create(config: C, generator?: Generator): M;
  /** Named configurations (e.g. a paper's version) that `--config <name>` selects. */
  namedConfigs?: string[];
}

const KINDS = new Map<string, ModelKind>();

export function registerModelKind(k: ModelKind): void {
  const had = KINDS.get(k.kind);
  if (had && had !== k) throw new Error(`model kind "${k.kind}" registered twice`);
  KINDS.set(k.kind, k);
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
