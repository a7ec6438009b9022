export { Optimizer } from './optimizer';
export type { ParamGroup, ParamGroupSpec } from './optimizer';
export { Adam, AdamW } from './adam';
export type { AdamOptions } from './adam';
export { SGD } from './sgd';
export type { SgdOptions } from './sgd';
export { clipGradNorm, clipGradNormPerTensor } from './clip';
export { CyclicLR, setLr } from './schedule';
export type { CyclicLROptions, LrSchedule } from './schedule';
