// The check `vigil export --verify` runs: the exported file in onnxruntime-node (CPU) against the
// native engine on the same windows, compared on the output the threshold rule reads: the
// per-channel errors (channel_errors) of a model that has them, else the model's own score
// (scores, e.g. a discriminator's feature distance over single rows).
import { noGrad } from '../../autograd/grad_mode';
import { inputOf, type AnomalyModel } from '../../model';
import { Tensor, tidy } from '../../tensor';
import { OnnxRunner } from './runner';

export interface VerifyResult {
  windows: number;
  /** The output compared. */
  output: 'channel_errors' | 'scores';
  /** Largest |onnx - native| of that output. */
  maxAbs: number;
  /** Whether every element is within atol + rtol |native|. */
  ok: boolean;
}

/** Runs x ([batch, window, channels], scaled) through both engines; the model must be in eval mode. */
export async function verifyOnnx(model: AnomalyModel, bytes: Uint8Array, x: Float32Array, batch: number,
  tol: { atol: number; rtol: number } = { atol: 1e-4, rtol: 1e-4 }): Promise<VerifyResult> {
  const runner = await OnnxRunner.create(bytes);
  let out: Record<string, Float32Array>;
  try {
    out = await runner.run(x, batch);
  } finally {
    await runner.dispose();
  }
  const channels = x.length / (batch * model.window);
  const output = model.channelErrors ? 'channel_errors' : 'scores';
  const onnxValues = out[output];
  if (!onnxValues) throw new Error(`verify: the ONNX model has no ${output} output`);
  // A model of single rows reads [batch, channels]; the others read the windows as they are.
  const shape = inputOf(model).kind === 'rows' ? [batch, channels] : [batch, model.window, channels];
  const fn = model.channelErrors ? model.channelErrors.bind(model) : model.scores?.bind(model);
  if (!fn) throw new Error('verify: the model has neither channelErrors nor scores to compare with');
  const native = noGrad(() => tidy(() => fn(Tensor.fromArray(x, shape)).toArray()));
  let maxAbs = 0, ok = native.length === onnxValues.length;
  for (let i = 0; ok && i < native.length; i++) {
    const d = Math.abs(onnxValues[i] - native[i]);
    maxAbs = Math.max(maxAbs, d);
    if (!(d <= tol.atol + tol.rtol * Math.abs(native[i]))) ok = false;
  }
  return { windows: batch, output, maxAbs, ok };
}
