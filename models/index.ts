// The model zoo: importing it registers every kind with lib/model.ts's registry. One folder per
// model; the first kind is the default of `vigil train --model`.
import { registerModelKind } from '../lib/model';
import { aladKind } from './alad';
import { dcVaeKind } from './dc_vae';
import { lstmAeKind } from './lstm_ae';
import { staeadKind } from './staead';
import { saDvcraeKind } from './sa_dvcrae';
import { pcaKind } from './pca';
import { iforestKind } from './iforest';
import { knnKind } from './knn';
import { ensembleKind } from './ensemble';

export const MODEL_KINDS = [lstmAeKind, dcVaeKind, aladKind, staeadKind, saDvcraeKind, pcaKind, iforestKind, knnKind, ensembleKind];
for (const k of MODEL_KINDS) registerModelKind(k);

export { modelKind, modelKinds, type AnomalyModel, type ModelKind } from '../lib/model';
export { lstmAeKind, dcVaeKind, aladKind, staeadKind, saDvcraeKind, pcaKind, iforestKind, knnKind, ensembleKind };
