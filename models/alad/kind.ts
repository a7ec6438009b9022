// ALAD as a model kind: `--model alad` on single tabular rows, scored by its own discriminator
// feature distance (no per-channel errors), trained by its own five-player loop.
import type { ModelKind } from '../../lib/model';
import { Alad, aladDefaults, type AladConfig } from './model';
import { fitAlad } from './train';

export const aladKind: ModelKind<AladConfig, Alad> = {
  kind: 'alad',
  summary: 'adversarially learned anomaly detection: BiGAN with cycle discriminators over tabular rows (ALAD, seed 004)',
  inputKind: 'rows',
  defaultConfig: (inputs, overrides = {}) => ({ ...aladDefaults(inputs), ...overrides, inputs }),
  create: (config, gen) => new Alad(config, gen),
  fit: fitAlad,
};
