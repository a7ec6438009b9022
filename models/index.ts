// The model zoo: importing it registers every kind with lib/detect's registry.
import { registerModelKind } from '../lib/model';
import { dcVaeKind } from './dc_vae/model';
import { lstmAeKind } from './lstm_ae/model';

export const MODEL_KINDS = [lstmAeKind, dcVaeKind];
for (const k of MODEL_KINDS) registerModelKind(k);

export { modelKind, modelKinds, type AnomalyModel, type ModelKind } from '../lib/model';
export { lstmAeKind, dcVaeKind };
