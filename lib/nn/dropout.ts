import { dropout } from '../ops/dropout';
import type { GraphBuilder } from '../onnx/graph/builder';
import { Generator, defaultGenerator } from '../random';
import { Tensor } from '../tensor';
import { Module } from './module';

/** Inverted dropout in training mode; identity in eval mode. */
export class Dropout extends Module {
  private readonly gen: Generator;
  constructor(readonly p: number, generator?: Generator) {
    super();
    if (!(p >= 0 && p < 1)) throw new Error(`Dropout: p must be in [0, 1), got ${p}`);
    this.gen = generator ?? defaultGenerator();
  }
  forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.training, this.gen);
  }
  /** ONNX (inference): the identity, so no node. */
  toOnnx(_g: GraphBuilder, x: string, _prefix = 'dropout'): string {
    return x;
  }
}
