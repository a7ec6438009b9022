// The model zoo by kind name.
import { dcVaeKind } from './dc_vae';
import { lstmAeKind } from './lstm_ae';
import { ModelKind } from './types';

export const MODEL_KINDS: Record<string, ModelKind> = {
  [lstmAeKind.kind]: lstmAeKind,
  [dcVaeKind.kind]: dcVaeKind,
};

export function modelKind(kind: string): ModelKind {
  const k = MODEL_KINDS[kind];
  if (!k) throw new Error(`unknown model "${kind}" (known: ${Object.keys(MODEL_KINDS).join(', ')})`);
  return k;
}

export type { AnomalyModel, ModelKind } from './types';
