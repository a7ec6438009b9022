// Shared pieces of the ONNX tests: seeded data, randomised module state, a native forward in
// eval mode, an onnxruntime run of a builder's graph or of an exported model, and the parity
// assertions.
import { strict as assert } from 'node:assert';
import * as ort from 'onnxruntime-node';
import { noGrad } from '../../lib/autograd/grad_mode';
import { GraphBuilder, type Dim } from '../../lib/onnx/graph/builder';
import type { Module } from '../../lib/nn';
import { transpose } from '../../lib/ops';
import { exportModelOnnx } from '../../lib/onnx/export/export';
import { OnnxRunner } from '../../lib/onnx/export/runner';
import { Tensor, tidy } from '../../lib/tensor';
import { DcVae } from '../../models/dc_vae/model';
import type { LstmAe } from '../../models/lstm_ae/model';
import { philoxUniform } from './../helpers/philox';

/** The parity tolerance every ONNX test states: |onnx - native| <= ATOL + RTOL * |native|. */
export const ATOL = 1e-4;
export const RTOL = 1e-4;

/** n seeded uniforms in [lo, hi). */
export function uniform(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  return Float32Array.from(philoxUniform(n, seed), (u) => lo + (hi - lo) * u);
}

/**
 * Gives every parameter and buffer of m seeded values, so that no emitter is tested on the
 * trivial initial state (zero means, unit variances, zero conv biases): running variances
 * uniform in [0.5, 1.5), everything else in [-scale, scale).
 */
export function randomizeState(m: Module, seed: number, scale = 0.5): void {
  let s = seed;
  for (const [name, t] of m.stateDict())
    t.assign(name.endsWith('running_var') ? uniform(t.size, s++, 0.5, 1.5) : uniform(t.size, s++, -scale, scale));
}

/** The module's eval-mode output for x as a host array. */
export function nativeForward(fn: (x: Tensor) => Tensor, x: Float32Array, shape: number[]): Float32Array {
  return noGrad(() => tidy(() => Float32Array.from(fn(Tensor.fromArray(x, shape)).toArray())));
}

/** Runs a graph whose single input is `x` and returns every output. */
export async function ortRun(bytes: Uint8Array, x: Float32Array, shape: number[]): Promise<Record<string, Float32Array>> {
  const s = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3 });
  try {
    const r = await s.run({ x: new ort.Tensor('float32', x, shape) });
    return Object.fromEntries(Object.entries(r).map(([k, t]) => [k, t.data as Float32Array]));
  } finally {
    await s.release();
  }
}

/** Runs an exported model (bytes or an .onnx path) on `batch` windows x with OnnxRunner. */
export async function runOnnx(model: Uint8Array | string, x: Float32Array, batch: number): Promise<Record<string, Float32Array>> {
  const r = await OnnxRunner.create(model);
  try {
    return await r.run(x, batch);
  } finally {
    await r.dispose();
  }
}

/**
 * Exports m (already in eval mode) and asserts onnxruntime's outputs on x [batch, window, inputs] equal
 * the native ones: LSTM-AE's reconstruction, DC-VAE's x_mean and x_log_var (mean path, as
 * [batch, window, inputs]), and channel_errors; records each figure as `${label} ${output}`.
 */
export async function assertModelParity(label: string, m: LstmAe | DcVae, x: Float32Array, shape: number[]): Promise<void> {
  const out = await runOnnx(exportModelOnnx(m), x, shape[0]);
  const expected: Record<string, Float32Array> = m instanceof DcVae
    ? {
      x_mean: nativeForward((t) => transpose(m.forward(t, 'mean').xMean, 1, 2), x, shape),
      x_log_var: nativeForward((t) => transpose(m.forward(t, 'mean').xLogVar, 1, 2), x, shape),
    }
    : { reconstruction: nativeForward((t) => m.forward(t), x, shape) };
  expected.channel_errors = nativeForward((t) => m.channelErrors(t), x, shape);
  for (const [name, want] of Object.entries(expected)) recordParity(`${label} ${name}`, assertParity(out[name], want, name));
}

/** A one-layer graph: x -> emit -> y; returns the encoded model. */
export function layerGraph(dims: Dim[], emit: (g: GraphBuilder, x: string) => string, outDims: Dim[]): Uint8Array {
  const g = new GraphBuilder('layer_test');
  g.output('y', emit(g, g.input('x', dims)), outDims);
  return g.encode();
}

/** Asserts element-wise parity within ATOL/RTOL and returns the largest absolute difference. */
export function assertParity(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): number {
  assert.equal(actual.length, expected.length, `${what}: ${actual.length} values, expected ${expected.length}`);
  let maxAbs = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    if (!(d <= ATOL + RTOL * Math.abs(expected[i]))) assert.fail(`${what}: element ${i}: onnx ${actual[i]} vs native ${expected[i]} (|diff| ${d})`);
    maxAbs = Math.max(maxAbs, d);
  }
  return maxAbs;
}

/** Prints a parity figure when VIGIL_PRINT_PARITY is set (for docs/onnx.md). */
export function recordParity(what: string, maxAbs: number): void {
  if (process.env.VIGIL_PRINT_PARITY) console.log(`      max |onnx - native| ${what}: ${maxAbs.toExponential(2)}`);
}
