// vigil-ad, the package entry: the engine (lib/) with every model kind of models/ registered, so
// any bundle loads. lib/ itself never imports the zoo (tools/check/layering.ts checks it).
export * from './lib';
export * as models from './models';
