// The check `vigil export --verify` runs: the exported file in onnxruntime-node (CPU) against the
// native engine on the same windows, compared on every output the Detector reads: the
// per-channel errors (channel_errors) of a model that has them, and the model's own score
// (scores) of a model that has one (a discriminator's feature distance, a reconstruction
// probability), so a graph whose score differs from the native one cannot pass.
import { noGrad } from '../../autograd/grad_mode';
import { inputOf, type AnomalyModel } from '../../model';
import { Tensor, tidy } from '../../tensor';
import { OnnxRunner } from './runner';

export interface VerifiedOutput {
  output: 'channel_errors' | 'scores';
  /** Largest |onnx - native| of that output. */
  maxAbs: number;
  /** Whether every element is within atol + rtol |native|. */
  ok: boolean;
}

export interface VerifyResult {
  windows: number;
  /** Each output compared, channel_errors first. */
  compared: VerifiedOutput[];
  /** Whether every compared output is within tolerance. */
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
  // A model of single rows reads [batch, channels]; the others read the windows as they are.
  const shape = inputOf(model).kind === 'rows' ? [batch, channels] : [batch, model.window, channels];
  const natives: [VerifiedOutput['output'], ((x: Tensor) => Tensor) | undefined][] = [
    ['channel_errors', model.channelErrors?.bind(model)],
    ['scores', model.scores?.bind(model)],
  ];
  const compared: VerifiedOutput[] = [];
  for (const [output, fn] of natives) {
    if (!fn) continue;
    const onnxValues = out[output];
    if (!onnxValues) throw new Error(`verify: the ONNX model has no ${output} output`);
    const native = noGrad(() => tidy(() => fn(Tensor.fromArray(x, shape)).toArray()));
    let maxAbs = 0, ok = native.length === onnxValues.length;
    for (let i = 0; ok && i < native.length; i++) {
      const d = Math.abs(onnxValues[i] - native[i]);
      maxAbs = Math.max(maxAbs, d);
      if (!(d <= tol.atol + tol.rtol * Math.abs(native[i]))) ok = false;
    }
    compared.push({ output, maxAbs, ok });
  }
  if (!compared.length) throw new Error('verify: the model has neither channelErrors nor scores to compare with');
  return { windows: batch, compared, ok: compared.every((c) => c.ok) };
}

/** "channel_errors 1.20e-6, scores 3.10e-6": each compared output's largest difference. */
export function describeVerified(r: VerifyResult): string {
  return r.compared.map((c) => `${c.output} ${c.maxAbs.toExponential(2)}`).join(', ');
}
