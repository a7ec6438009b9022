// Every differentiable op, by its functional name.
export { add, sub, mul, div, pow, neg, exp, log, sqrt, abs, square, tanh, sigmoid, relu, leakyRelu, elu, selu, softplus, hardSigmoid, affine, broadcastShape, type Operand } from './elementwise';
export { sum, mean, max } from './reduce';
export { softmax, logSoftmax } from './softmax';
export { permute, transpose, concat, slice, repeat, unsqueeze, squeeze } from './shape';
export { reshape, flatten } from './reshape';
export { matmul, type MatmulOptions } from './matmul';
export { linear } from './linear';
export { lstm } from './lstm';
export { causalConv1d } from './causal_conv1d';
export { conv2d, samePads, type Conv2dOptions, type Conv2dPadding } from './conv2d';
export { convTranspose2d, type ConvTranspose2dOptions } from './conv_transpose2d';
export { batchNorm, type BatchNormOptions } from './batch_norm';
export { dropout } from './dropout';
export { reparamSample } from './reparam_sample';
export { mseLoss, gaussianNll, klNormal, bceWithLogits, type LossOptions } from './losses';
