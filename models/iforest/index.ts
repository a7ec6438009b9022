// Isolation Forest over windows of rows: the forest, the window features, the model and its kind.
export * from './forest';
export * from './features';
export * from './model';
export { iforestKind, checkIForestConfig } from './kind';
