// What every detector model offers the training loop and the scoring code.
import { Module } from '../lib/nn';
import { Generator } from '../lib/random';
import { Tensor } from '../lib/tensor';

export interface AnomalyModel extends Module {
  /** Window length the model takes ([batch, window, channels]). */
  readonly window: number;
  /** Training loss of a batch of windows, optionally with named terms to log (see lib/train/fit). */
  loss(x: Tensor): Tensor | { loss: Tensor; terms?: Record<string, number> };
  /** Per-window, per-channel anomaly error [batch, channels]. */
  channelErrors(x: Tensor): Tensor;
  /** How a window's score comes from its channel errors: their mean (default) or their max. */
  readonly scoreReduction?: 'mean' | 'max';
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
