export { Optimizer } from './optimizer';
export type { ParamGroup, ParamGroupSpec } from './optimizer';
export { Adam, AdamW } from './adam';
export type { AdamOptions } from './adam';
export { SGD } from './sgd';
export type { SgdOptions } from './sgd';
export { clipGradNorm } from './clip';
