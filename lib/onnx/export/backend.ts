// The onnxruntime backend of a Detector: the detector exported to ONNX, run by OnnxRunner on
// onnxruntime-node's CPU or CUDA provider; asynchronous. It sits above lib/detect, so it
// registers with detect's backend registry instead of being imported by it: export.ts calls
// registerOnnxruntimeBackend when it loads, handing in its exporter (this file cannot import
// export.ts, which imports this one), so whoever can export a detector can also run it.
import { registerBackend, type Backend } from '../../detect/backend';
import type { WindowOut } from '../../detect/decide';
import type { LoadedDetector } from '../../detect/detector_bundle';
import { OnnxRunner } from './runner';

export class OnnxBackend implements Backend {
  readonly name = 'onnxruntime' as const;
  readonly sync = false;

  private constructor(private readonly runner: OnnxRunner, readonly device: 'cpu' | 'cuda', private readonly shape: { T: number; F: number }) {}

  static async create(model: Uint8Array, det: LoadedDetector, opts: { device?: 'cpu' | 'cuda'; threads?: number }): Promise<OnnxBackend> {
    const device = opts.device ?? 'cpu';
    const runner = await OnnxRunner.create(model, { device, threads: opts.threads });
    return new OnnxBackend(runner, device, { T: det.info.windows.length, F: det.info.schema.columns.length });
  }

  runSync(): void {
    throw new Error("backend 'onnxruntime' runs asynchronously: use await stream.push() / scoreBatch(), or backend 'native' for pushSync");
  }

  async run(x: Float32Array, P: number, out: WindowOut): Promise<void> {
    const r = await this.runner.run(x, P);
    const { T, F } = this.shape;
    const need = (name: string, size: number) => {
      const v = r[name];
      if (!v || v.length !== size) throw new Error(`onnxruntime: the exported model gave no "${name}" output of ${size} values (outputs: ${Object.keys(r).join(', ')})`);
      return v;
    };
    if (!out.mu) {
      // A model with its own score and no per-channel split (ALAD) reads only "scores".
      if (out.errors) out.errors.set(need('channel_errors', P * F));
      if (out.scores) out.scores.set(need('scores', P));
      return;
    }
    // The last step of the per-step Gaussian; sigma = exp(log_var / 2) as the native lastStep.
    const mean = need('x_mean', P * T * F), logVar = need('x_log_var', P * T * F);
    for (let i = 0; i < P; i++) {
      const from = (i * T + T - 1) * F;
      for (let c = 0; c < F; c++) {
        out.mu[i * F + c] = mean[from + c];
        out.sigma![i * F + c] = Math.exp(0.5 * logVar[from + c]);
      }
    }
  }

  async dispose(): Promise<void> {
    await this.runner.dispose();
  }
}

/** Registers backend 'onnxruntime' over `exportDetector` (export.ts's exportDetectorOnnx). */
export function registerOnnxruntimeBackend(exportDetector: (det: LoadedDetector) => Uint8Array): void {
  registerBackend('onnxruntime', (det, opts) => OnnxBackend.create(exportDetector(det), det, opts));
}
