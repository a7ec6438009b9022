// DC-VAE as a model kind: what `--model dc-vae` builds, its named configs, its upstream settings
// reader, the per-channel alpha calibrator it supports, and its demo size.
import type { ModelKind } from '../../lib/model';
import { DC_VAE_DEMO } from './demo';
import { DC_VAE_NAMED_CONFIGS, DcVae, type DcVaeConfig } from './model';
import { readDcVaeSettings, SETTINGS_FLAGS } from './settings';

/** Overrides may name a config ("preset": "head" | "may-2022") that the other keys then modify. */
export type DcVaeOverrides = Partial<DcVaeConfig> & { preset?: string };

export const dcVaeKind: ModelKind<DcVaeConfig, DcVae> = {
  kind: 'dc-vae',
  summary: 'dilated causal convolution VAE with per-channel Gaussian outputs (DC-VAE, seed 002)',
  defaultConfig: (inputs, overrides: DcVaeOverrides = {}) => {
    const { preset = 'head', ...rest } = overrides;
    const base = DC_VAE_NAMED_CONFIGS[preset];
    if (!base) throw new Error(`dc-vae: unknown preset "${preset}" (known: ${Object.keys(DC_VAE_NAMED_CONFIGS).join(', ')})`);
    return { ...base(inputs), ...rest, inputs };
  },
  create: (config, gen) => new DcVae(config, gen),
  namedConfigs: Object.keys(DC_VAE_NAMED_CONFIGS),
  inputKind: 'windows',
  calibrators: ['alpha'],
  readSettings: readDcVaeSettings,
  trainFlags: SETTINGS_FLAGS,
  demo: DC_VAE_DEMO,
};
