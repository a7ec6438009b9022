// A thin onnxruntime-node wrapper: one session over an exported model, fed float32 windows
// [batch, window, channels], answering every output as a Float32Array. device 'cuda' uses
// onnxruntime's CUDA execution provider and refuses (never falls back to the CPU) when the
// provider is not installed. onnxruntime-node is loaded on first use, so exporting needs none.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type * as Ort from 'onnxruntime-node';
import { refuseExternalData } from './external_data';
import { decodeOnnx, INPUT, readOnnxMetadata, valueDims } from './metadata';
import type { Dim } from '../graph/builder';

export interface OnnxRunnerOptions {
  device?: 'cpu' | 'cuda';
  /** Threads of one inference (onnxruntime's intra-op pool); its default is the core count. */
  threads?: number;
  /** CUDA device index (device 'cuda'). */
  deviceId?: number;
}

// Loaded by the first create(), so exporting needs no onnxruntime; an import() rather than a
// require() because lib has none (the layering check). A CommonJS package's import() namespace
// holds its exports object as `default`.
// It is an optional peer dependency: users of the native backend never load it (294 MB).
let ortModule: typeof Ort | null = null;
async function loadOrt(): Promise<typeof Ort> {
  if (!ortModule) {
    let ns: typeof Ort & { default?: typeof Ort };
    try {
      ns = (await import('onnxruntime-node')) as typeof Ort & { default?: typeof Ort };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND' && (e as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw e;
      throw new Error(ORT_MISSING);
    }
    ortModule = ns.default ?? ns;
  }
  return ortModule;
}

/** The error when onnxruntime-node is not installed, saying how to add it. */
export const ORT_MISSING =
  'the onnxruntime backend needs onnxruntime-node, an optional peer dependency of vigil-ad that is not ' +
  'installed. Add it to your project with: ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node@^1.30 ' +
  '(the variable skips its CUDA provider download from api.nuget.org; leave it out for device "cuda"). ' +
  "The native backend (backend: 'native', the default) needs none.";

/** Where onnxruntime-node keeps its native libraries for this platform. */
function ortBinDir(): string {
  return join(dirname(require.resolve('onnxruntime-node/package.json')), 'bin', 'napi-v6', process.platform, process.arch);
}

/** Whether onnxruntime-node's CUDA execution provider library is installed (Linux x64 only). */
export function cudaProviderInstalled(): boolean {
  if (process.platform !== 'linux' || process.arch !== 'x64') return false;
  try {
    return existsSync(join(ortBinDir(), 'libonnxruntime_providers_cuda.so'));
  } catch {
    return false; // onnxruntime-node itself is not installed
  }
}

/** The error for device 'cuda' without the provider, saying how to install it. */
export function cudaMissingMessage(): string {
  if (process.platform !== 'linux' || process.arch !== 'x64')
    return `onnxruntime-node has a CUDA execution provider only on Linux x64 (this is ${process.platform}/${process.arch}); use device 'cpu' or the native backend`;
  return `onnxruntime-node's CUDA execution provider is not installed (no libonnxruntime_providers_cuda.so in ${ortBinDir()}). ` +
    `It is skipped when onnxruntime-node is installed with ONNXRUNTIME_NODE_INSTALL=skip (as README says, so installs ` +
    `work offline; a Vigil checkout's .npmrc sets the same). To install it (downloads Microsoft.ML.OnnxRuntime.Gpu.Linux ` +
    `from NuGet; needs CUDA 12 and cuDNN 9 at run time): ` +
    `ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js`;
}

export class OnnxRunner {
  private constructor(
    private readonly session: Ort.InferenceSession,
    /** The model's metadata_props. */
    readonly metadata: Record<string, string>,
    /** Window length and channels of the input x [batch, window, channels]. */
    readonly window: number,
    readonly channels: number,
    /** The model's outputs and their dims ('batch' symbolic). */
    readonly outputs: Record<string, Dim[]>,
    readonly device: 'cpu' | 'cuda',
  ) {}

  static async create(model: Uint8Array | string, opts: OnnxRunnerOptions = {}): Promise<OnnxRunner> {
    const device = opts.device ?? 'cpu';
    if (device !== 'cpu' && device !== 'cuda') throw new Error(`OnnxRunner: device must be 'cpu' or 'cuda', got '${device}'`);
    if (device === 'cuda' && !cudaProviderInstalled()) throw new Error(cudaMissingMessage());
    if (opts.threads !== undefined && !(Number.isInteger(opts.threads) && opts.threads >= 1))
      throw new Error(`OnnxRunner: threads must be a positive integer, got ${opts.threads}`);
    const bytes = typeof model === 'string' ? readFileSync(model) : model;
    const source = typeof model === 'string' ? model : 'the model bytes';
    const proto = decodeOnnx(bytes, source);
    refuseExternalData(proto, source);
    const inputs = valueDims(proto.graph!.input);
    const x = inputs[INPUT];
    if (!x || x.length !== 3 || typeof x[1] !== 'number' || typeof x[2] !== 'number')
      throw new Error(`OnnxRunner: the model needs an input "${INPUT}" [batch, window, channels] (found ${JSON.stringify(inputs)}); was it written by vigil export?`);
    const options: Ort.InferenceSession.SessionOptions = {
      executionProviders: [device === 'cuda' ? { name: 'cuda', deviceId: opts.deviceId ?? 0 } : 'cpu'],
      ...(opts.threads !== undefined ? { intraOpNumThreads: opts.threads } : {}),
      interOpNumThreads: 1,
      executionMode: 'sequential',
      // onnxruntime's default, stated so that no reader (or bench) has to trust a default
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
    };
    let session: Ort.InferenceSession;
    try {
      session = await (await loadOrt()).InferenceSession.create(bytes, options);
    } catch (e) {
      throw new Error(`onnxruntime could not load the model on ${device}: ${(e as Error).message}`);
    }
    return new OnnxRunner(session, readOnnxMetadata(proto), x[1], x[2], valueDims(proto.graph!.output), device);
  }

  /** Runs `batch` windows x (row-major [batch, window, channels]); every output by name. */
  async run(x: Float32Array, batch: number): Promise<Record<string, Float32Array>> {
    const want = batch * this.window * this.channels;
    if (!Number.isInteger(batch) || batch < 1 || x.length !== want)
      throw new Error(`OnnxRunner.run: ${x.length} values are not ${batch} windows of [${this.window}, ${this.channels}] (${want})`);
    const { Tensor } = ortModule!; // loaded by create()
    const result = await this.session.run({ [INPUT]: new Tensor('float32', x, [batch, this.window, this.channels]) });
    const out: Record<string, Float32Array> = {};
    for (const [name, t] of Object.entries(result)) out[name] = t.data as Float32Array;
    return out;
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}
