// The engines a Detector runs windows on. Both take scaled windows x [P, T, F] (row-major) and
// write the per-channel errors [P, F] and/or the model's own scores [P], or the Gaussian (mu,
// sigma) of each window's last step [P, F] (alpha rule). A model that reads single rows (input
// 'rows', window 1: ALAD) gets the same values as [P, F].
// - native: the model itself (lib/ tensors, the addon); synchronous, so a stream's push can be.
//   On the CPU, a model with an inferencePlan (LSTM-AE) computes its errors in one native call
//   over weights packed when the backend is made (a snapshot, as the ONNX export is); other
//   models and outputs run op by op.
// - onnxruntime: the model exported by lib/onnx (exportDetectorOnnx) and run by its OnnxRunner
//   on onnxruntime-node's CPU or CUDA provider; asynchronous. It lives in lib/onnx/export/backend.ts,
//   registered (registerBackend, below) when lib/onnx/export/export.ts loads; onnxruntime-node
//   itself loads on first use, so the native path never loads it.
import { noGrad } from '../autograd/grad_mode';
import { native } from '../binding';
import { requireDevice, Tensor, tidy } from '../tensor';
import type { WindowOut } from './decide';
import type { LoadedDetector } from './detector_bundle';
import type { InferencePlan } from '../nn/inference_plan';
import { inputOf, type AnomalyModel } from '../model';

export type BackendName = 'native' | 'onnxruntime';

export interface Backend {
  readonly name: BackendName;
  readonly device: 'cpu' | 'cuda';
  /** Whether runSync works (native). */
  readonly sync: boolean;
  /** Runs P windows; x holds exactly P * T * F values; out's arrays exactly P * F. */
  runSync(x: Float32Array, P: number, out: WindowOut): void;
  /**
   * Runs the P windows of consecutive rows (rows: (P + T - 1) * F values, window p starts at
   * row p) without their copies, when this backend can for this output: true when done, false
   * to be given the windows (runSync/run) instead.
   */
  runSeriesSync?(rows: Float32Array, P: number, out: WindowOut): boolean;
  run(x: Float32Array, P: number, out: WindowOut): Promise<void>;
  dispose(): Promise<void>;
}

/** A model that gives each window's last-step Gaussian (DC-VAE). */
interface GaussianModel extends AnomalyModel {
  lastStep(x: Tensor): { mu: Tensor; sigma: Tensor };
}

export class NativeBackend implements Backend {
  readonly name = 'native' as const;
  readonly sync = true;
  private plan: InferencePlan | null = null;

  /** `owned`: dispose() frees the model (a Detector that loaded the bundle itself). */
  /** `sample`: one sample's shape, [T, F] for windows, [F] for a single-row model. */
  constructor(private readonly model: AnomalyModel, private readonly sample: readonly number[], private readonly owned: boolean, readonly device: 'cpu' | 'cuda') {
    model.eval();
    const planned = device === 'cpu' && typeof model.inferencePlan === 'function' &&
      model.parameters().every((p) => p.dtype === 'float32');
    if (planned) this.plan = model.inferencePlan!();
  }

  static create(det: LoadedDetector, opts: { device?: 'cpu' | 'cuda'; threads?: number }, owned: boolean): NativeBackend {
    const device = opts.device ?? 'cpu';
    if (device !== 'cpu') {
      requireDevice(device); // the clear "no CUDA in this build / no usable device" error
      const m = det.model as Partial<{ to(d: 'cuda'): unknown }>;
      if (typeof m.to !== 'function') throw new Error("backend 'native' cannot move this model to 'cuda' (its Module has no to(device)); use device 'cpu'");
      m.to(device);
    }
    if (opts.threads !== undefined) {
      if (!(Number.isInteger(opts.threads) && opts.threads >= 1)) throw new Error(`threads must be a positive integer, got ${opts.threads}`);
      native.setNumThreads(opts.threads); // process-wide: the native pool is shared
    }
    const F = det.info.schema.columns.length;
    return new NativeBackend(det.model, inputOf(det.model).kind === 'rows' ? [F] : [det.info.windows.length, F], owned, device);
  }

  runSync(x: Float32Array, P: number, out: WindowOut): void {
    if (this.plan && out.errors && !out.mu && !out.scores) {
      this.plan.run(x, P, true, out.errors);
      return;
    }
    noGrad(() =>
      tidy(() => {
        const t = Tensor.empty([P, ...this.sample], { device: this.device });
        native.write(t.native, x);
        if (out.mu) {
          const m = this.model as unknown as Partial<GaussianModel>;
          if (typeof m.lastStep !== 'function') throw new Error(`the alpha rule needs a model with per-channel Gaussian outputs (lastStep); ${this.model.constructor.name} has none`);
          const g = m.lastStep(t);
          native.read(g.mu.native, out.mu);
          native.read(g.sigma.native, out.sigma!);
        } else {
          if (out.errors) native.read(this.model.channelErrors!(t).native, out.errors);
          if (out.scores) native.read(this.model.scores!(t).native, out.scores);
        }
      }),
    );
  }

  async run(x: Float32Array, P: number, out: WindowOut): Promise<void> {
    this.runSync(x, P, out);
  }

  runSeriesSync(rows: Float32Array, P: number, out: WindowOut): boolean {
    if (!this.plan || !out.errors || out.mu || out.scores) return false;
    this.plan.runSeries(rows, P, true, out.errors);
    return true;
  }

  async dispose(): Promise<void> {
    this.plan?.dispose();
    this.plan = null;
    if (this.owned) this.model.dispose();
  }
}

/** Makes a backend over a loaded bundle; registered by name (see registerBackend). */
export type BackendFactory = (det: LoadedDetector, opts: { device?: 'cpu' | 'cuda'; threads?: number }) => Promise<Backend>;

// Backends other than native register themselves here, as model kinds do in lib/model.ts: the
// onnxruntime one lives above detect (lib/onnx/export runs an exported detector), so detect
// cannot import it; lib/onnx/export/export.ts registers it when it loads.
const factories = new Map<string, BackendFactory>();
const registeredBy: Record<string, string> = { onnxruntime: 'lib/onnx/export/export' };

/** Makes `name` available to Detector.load/create (a later registration replaces it). */
export function registerBackend(name: Exclude<BackendName, 'native'>, factory: BackendFactory): void {
  factories.set(name, factory);
}

/** A registered backend over `det`; an error naming the module to import when none is. */
export function createBackend(name: Exclude<BackendName, 'native'>, det: LoadedDetector, opts: { device?: 'cpu' | 'cuda'; threads?: number }): Promise<Backend> {
  const factory = factories.get(name);
  if (!factory)
    throw new Error(`backend '${name}' is not registered: import 'vigil-ad' (the package entry registers it) or ${registeredBy[name] ?? 'its module'}, which registers it when it loads`);
  return factory(det, opts);
}
