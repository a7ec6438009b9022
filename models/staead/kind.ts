// STAEAD as a model kind: what `--model staead` builds, its named configs ('default': small, for
// a CPU; 'seed': the seed's sizes, input and training), its training (lib/train's fit with the
// config's AMSGrad, per-tensor clipnorm and cyclic rate) and the seed's max-scale threshold rule
// it offers (threshold.ts). Overrides may name a config ({ preset: 'seed' }, `--config seed`) that the
// other keys then modify; `window` (the CLI's --window) sets a single correlation window length.
import type { ModelKind } from '../../lib/model';
import { Optimizer } from '../../lib/optim/optimizer';
import { CyclicLR } from '../../lib/optim/schedule';
import type { FitData } from '../../lib/train/data';
import { fit, type FitOptions, type FitResult } from '../../lib/train/fit';
import { STAEAD_DEMO } from './demo';
import { defaultStaeadConfig, seedStaeadConfig, Staead, type StaeadConfig } from './model';
import './threshold'; // registers the max-scale calibrator

/**
 * lib/train's fit with the config's training settings added: AMSGrad (unless the caller passes
 * an optimiser of its own), the per-tensor clipnorm (unless the caller clips the global norm,
 * which excludes it: --clip-grad-norm wins), the cyclic rate (which then sets every step's rate
 * in place of --lr). The loss, validation, early stopping and checkpoints are fit's.
 */
export function staeadFitOptions(config: StaeadConfig, options: FitOptions<Staead>): FitOptions<Staead> {
  const t = config.training ?? null;
  if (!t) return options;
  const own = options.optimizer instanceof Optimizer;
  return {
    ...options,
    ...(t.amsgrad && !own ? { amsgrad: true } : {}),
    ...(t.clipNormPerTensor !== null && options.clipGradNorm === undefined && options.clipGradNormPerTensor === undefined ? { clipGradNormPerTensor: t.clipNormPerTensor } : {}),
    ...(t.cyclicLr && !options.lrSchedule ? { lrSchedule: new CyclicLR(t.cyclicLr) } : {}),
  };
}

function fitStaead(model: Staead, data: FitData, options: FitOptions<Staead>): Promise<FitResult> {
  return fit(model, data, staeadFitOptions(model.config, options));
}

export const STAEAD_NAMED_CONFIGS: Record<string, (inputs: number) => StaeadConfig> = {
  default: defaultStaeadConfig,
  seed: seedStaeadConfig,
};

export type StaeadOverrides = Partial<StaeadConfig> & { preset?: string; window?: number };

export const staeadKind: ModelKind<StaeadConfig, Staead> = {
  kind: 'staead',
  summary: 'attention ConvLSTM autoencoder over series of sensor correlation matrices (STAE-AD, seed 001)',
  inputKind: 'matrix-series',
  defaultConfig: (inputs, overrides: StaeadOverrides = {}) => {
    const { preset = 'default', window, ...rest } = overrides;
    const base = STAEAD_NAMED_CONFIGS[preset];
    if (!base) throw new Error(`staead: unknown preset "${preset}" (known: ${Object.keys(STAEAD_NAMED_CONFIGS).join(', ')})`);
    const config = { ...base(inputs), ...rest, inputs };
    if (window !== undefined) config.scales = [window];
    // padTo follows the channel count unless given: the smallest multiple of 2^encoder layers.
    if (rest.padTo === undefined) config.padTo = Math.ceil(inputs / 2 ** config.encoder.length) * 2 ** config.encoder.length;
    return config;
  },
  create: (config, gen) => new Staead(config, gen),
  namedConfigs: Object.keys(STAEAD_NAMED_CONFIGS),
  demo: STAEAD_DEMO,
  calibrators: ['max-scale'],
  fit: fitStaead,
};
