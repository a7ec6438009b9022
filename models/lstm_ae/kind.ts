// The LSTM-AE as a model kind: what `--model lstm-ae` builds (its config checked first: a
// bundle's config is user input), and its demo size.
import type { ModelKind } from '../../lib/model';
import { LSTM_AE_DEMO } from './demo';
import { LstmAe, seedLstmAeConfig, type LstmAeConfig } from './model';

/** Throws naming the first field of the wrong type or range. */
export function checkLstmAeConfig(c: LstmAeConfig): LstmAeConfig {
  const fail = (field: string, want: string) => new Error(`lstm-ae: ${field} must be ${want}, got ${JSON.stringify((c as any)[field])}`);
  const posInt = (v: unknown) => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 0x7fffffff; // int32 in the kernels
  for (const f of ['inputs', 'window', 'latent', 'decoderDense'] as const) if (!posInt(c[f])) throw fail(f, 'a positive integer');
  for (const f of ['encoder', 'decoder'] as const)
    if (!Array.isArray(c[f]) || !c[f].length || !c[f].every(posInt)) throw fail(f, 'a list of one or more positive integers');
  const inRange = (v: unknown, lo: number, hi: number) => typeof v === 'number' && v >= lo && v <= hi;
  if (!inRange(c.bnMomentum, 0, 1)) throw fail('bnMomentum', 'a number in [0, 1]');
  if (!inRange(c.bnEps, 0, Number.MAX_VALUE)) throw fail('bnEps', 'a finite number >= 0');
  return c;
}

export const lstmAeKind: ModelKind<LstmAeConfig, LstmAe> = {
  kind: 'lstm-ae',
  summary: 'LSTM autoencoder over sliding windows (HAI notebook, seed 003)',
  defaultConfig: (inputs, overrides = {}) => ({ ...seedLstmAeConfig(inputs), ...overrides, inputs }),
  create: (config, gen) => new LstmAe(checkLstmAeConfig(config), gen),
  inputKind: 'windows',
  demo: LSTM_AE_DEMO,
};
