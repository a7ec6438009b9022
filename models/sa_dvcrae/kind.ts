// Sa-DVCRAE as a model kind: what `--model sa-dvcrae` builds and its named configs ('default':
// small, for a CPU, a decoder over all T frames and a linear output; 'seed': the seed's sizes,
// input and oddities). Overrides may name a config ({ preset: 'seed' }, `--config seed`) that the
// other keys then modify; `window` (the CLI's --window) sets a single correlation window length.
// Training is lib/train's fit on the model's loss (Adam at --lr); a model scored by the
// reconstruction probability at decoderVariance 'estimated' then gets its decoder variance from
// the training residuals (variance.ts) before anything scores with it.
import type { ModelKind } from '../../lib/model';
import { fit } from '../../lib/train/fit';
import { defaultSaDvcraeConfig, saDvcraeSide, SaDvcrae, seedSaDvcraeConfig, type SaDvcraeConfig } from './model';
import { SA_DVCRAE_DEMO } from './demo';
import { estimateDecoderVariance } from './variance';

export const SA_DVCRAE_NAMED_CONFIGS: Record<string, (inputs: number) => SaDvcraeConfig> = {
  default: defaultSaDvcraeConfig,
  seed: seedSaDvcraeConfig,
};

export type SaDvcraeOverrides = Partial<SaDvcraeConfig> & { preset?: string; window?: number };

export const saDvcraeKind: ModelKind<SaDvcraeConfig, SaDvcrae> = {
  kind: 'sa-dvcrae',
  summary: 'self-attention ConvLSTM variational autoencoder over series of sensor correlation matrices (Sa-DVCRAE, seed 000)',
  inputKind: 'matrix-series',
  defaultConfig: (inputs, overrides: SaDvcraeOverrides = {}) => {
    const { preset = 'default', window, ...rest } = overrides;
    const base = SA_DVCRAE_NAMED_CONFIGS[preset];
    if (!base) throw new Error(`sa-dvcrae: unknown preset "${preset}" (known: ${Object.keys(SA_DVCRAE_NAMED_CONFIGS).join(', ')})`);
    const config = { ...base(inputs), ...rest, inputs };
    if (window !== undefined) config.scales = [window];
    // padTo follows the channel count and the layer counts unless given.
    if (rest.padTo === undefined) config.padTo = saDvcraeSide(inputs, config.encoder.length, config.decoderStrides);
    return config;
  },
  create: (config, gen) => new SaDvcrae(config, gen),
  fit: async (model, data, options) => {
    const result = await fit(model, data, options);
    if (model.decoderVariance) estimateDecoderVariance(model, data, options.batchSize);
    return result;
  },
  namedConfigs: Object.keys(SA_DVCRAE_NAMED_CONFIGS),
  demo: SA_DVCRAE_DEMO,
  trainFlags: {
    'score-by': { type: 'string', help: "sa-dvcrae: error (the residual's norm) or probability (-log reconstruction probability); default: the config's" },
    'latent-samples': { type: 'number', help: 'sa-dvcrae: L, the draws of z per window for --score-by probability (default 16)' },
    'decoder-variance': { type: 'string', help: "sa-dvcrae: the decoder's Gaussian variance for --score-by probability: unit or estimated (per cell, from the training residuals)" },
  },
  configFlags: { 'score-by': 'scoreBy', 'latent-samples': 'latentSamples', 'decoder-variance': 'decoderVariance' },
};
