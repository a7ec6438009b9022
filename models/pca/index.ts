// PCA reconstruction (the reports' baseline as a model kind): the model and its kind.
export * from './model';
export { pcaKind, checkPcaConfig } from './kind';
