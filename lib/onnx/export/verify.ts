// The check `vigil export --verify` runs: the exported file in onnxruntime-node (CPU) against the
// native engine on the same windows, compared on channel_errors, the output every model has.
import { noGrad } from '../../autograd/grad_mode';
import type { AnomalyModel } from '../../model';
import { Tensor, tidy } from '../../tensor';
import { OnnxRunner } from './runner';

export interface VerifyResult {
  windows: number;
  /** Largest |onnx - native| of channel_errors. */
  maxAbs: number;
  /** Whether every element is within atol + rtol |native|. */
  ok: boolean;
}

/** Runs x ([batch, window, channels], scaled) through both engines; the model must be in eval mode. */
export async function verifyOnnx(model: AnomalyModel, bytes: Uint8Array, x: Float32Array, batch: number,
  tol: { atol: number; rtol: number } = { atol: 1e-4, rtol: 1e-4 }): Promise<VerifyResult> {
  const runner = await OnnxRunner.create(bytes);
  let onnxErrors: Float32Array;
  try {
    onnxErrors = (await runner.run(x, batch)).channel_errors;
  } finally {
    await runner.dispose();
  }
  if (!onnxErrors) throw new Error('verify: the ONNX model has no channel_errors output');
  const shape = [batch, model.window, x.length / (batch * model.window)];
  if (!model.channelErrors) throw new Error('verify: the model has no channelErrors to compare with');
  const errorsOf = model.channelErrors.bind(model);
  const native = noGrad(() => tidy(() => errorsOf(Tensor.fromArray(x, shape)).toArray()));
  let maxAbs = 0, ok = native.length === onnxErrors.length;
  for (let i = 0; ok && i < native.length; i++) {
    const d = Math.abs(onnxErrors[i] - native[i]);
    maxAbs = Math.max(maxAbs, d);
    if (!(d <= tol.atol + tol.rtol * Math.abs(native[i]))) ok = false;
  }
  return { windows: batch, maxAbs, ok };
}
