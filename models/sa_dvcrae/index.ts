// Sa-DVCRAE (seed 000's title): the network, its kind, its score over the residual.
export * from './model';
export { saDvcraeKind, SA_DVCRAE_NAMED_CONFIGS, type SaDvcraeOverrides } from './kind';
export { residualScores, residualRowNorms, residualScoresOnnx, type MatrixScore } from './score';
export { type ScoreBy, type DecoderVariance } from './probability';
