// ALAD as a model kind: `--model alad` on single tabular rows, scored by its own discriminator
// feature distance (no per-channel errors), trained by its own five-player loop. Overrides may
// name a config ({ preset: 'arrhythmia' }, `--config arrhythmia`) that the other keys then modify.
import type { ModelKind } from '../../lib/model';
import { ALAD_NAMED_CONFIGS, Alad, type AladConfig } from './model';
import { fitAlad } from './train';

export type AladOverrides = Partial<AladConfig> & { preset?: string };

export const aladKind: ModelKind<AladConfig, Alad> = {
  kind: 'alad',
  summary: 'adversarially learned anomaly detection: BiGAN with cycle discriminators over tabular rows (ALAD, seed 004)',
  inputKind: 'rows',
  defaultConfig: (inputs, overrides: AladOverrides = {}) => {
    const { preset = 'kdd', ...rest } = overrides;
    const base = ALAD_NAMED_CONFIGS[preset];
    if (!base) throw new Error(`alad: unknown preset "${preset}" (known: ${Object.keys(ALAD_NAMED_CONFIGS).join(', ')})`);
    return { ...base(inputs), ...rest, inputs };
  },
  create: (config, gen) => new Alad(config, gen),
  namedConfigs: Object.keys(ALAD_NAMED_CONFIGS),
  fit: fitAlad,
};
