export { Module, type StateDict, type TensorData } from './module';
export { Linear, type LinearOptions } from './linear';
export { LSTM, type LSTMOptions, type LSTMState } from './lstm';
export { CausalConv1d, type CausalConv1dOptions } from './causal_conv1d';
export { BatchNorm1d, type BatchNormOptions } from './batch_norm';
export { Dropout } from './dropout';
export { Sequential, type Layer } from './sequential';
export { Tanh, Sigmoid, ReLU, LeakyReLU, ELU, SELU } from './activation';
export { uniformInit, glorotUniform } from './init';
