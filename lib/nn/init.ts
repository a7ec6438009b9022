// Weight initialisers drawing from a seeded Generator (so a seed fixes a model's initial
// weights).
import { Generator, defaultGenerator } from '../random';
import { Tensor } from '../tensor';

/** U(-bound, bound): PyTorch's default for Linear, LSTM and Conv (bound = 1/sqrt(fan)). */
export function uniformInit(shape: number[], bound: number, gen: Generator = defaultGenerator()): Tensor {
  return gen.uniform(shape, -bound, bound);
}

/** Glorot/Xavier uniform (Keras's default kernel init): bound = sqrt(6 / (fanIn + fanOut)). */
export function glorotUniform(shape: number[], fanIn: number, fanOut: number, gen: Generator = defaultGenerator()): Tensor {
  return uniformInit(shape, Math.sqrt(6 / (fanIn + fanOut)), gen);
}
