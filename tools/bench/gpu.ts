// `npm run bench -- gpu`: Vigil's CUDA backend against PyTorch (cuBLAS/cuDNN) on the same GPU in
// the same run. For each precision mode, "fp32" (Vigil's FFMA GEMM; PyTorch with TF32 off for
// cuBLAS and cuDNN) and "tf32" (Vigil's tensor-core GEMM, native.cudaSetTf32; PyTorch with TF32
// on for both):
//   - GEMM TFLOP/s (square n x n x n, matmul on device tensors) against the device's measured
//     peak (an FMA-loop kernel for fp32, an mma.sync-loop kernel for tf32, both run by the
//     peer through CuPy; the datasheet figure where that fails, and the output says which) and
//     against cuBLAS;
//   - one Adam training step and one scoring pass of the LSTM autoencoder and of DC-VAE, at the
//     CPU benchmarks' sizes (lstm_ae.ts, dc_vae.ts) and at a larger batch, as windows/second and
//     the ratio to PyTorch (> 1: Vigil is faster). The peer builds the same models from
//     torch_lstm_ae.py / torch_dc_vae.py (tools/bench/torch_gpu.py).
// Every timed step ends by reading a result to the host (the work is asynchronous). Medians of
// `reps` after `warmup`. Without a usable CUDA device it says why and measures nothing (exit 1).
// VIGIL_BENCH_PYTHON picks the peer's Python (default python3: the one with CUDA PyTorch on a
// GPU box), VIGIL_BENCH_DIR the folder of torch_gpu.py (default this file's, for bundled runs),
// VIGIL_BENCH_JSON a file for the raw numbers.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { native } from '../../lib/binding';
import { Tensor } from '../../lib/tensor';
import { lcgTensorOn, medianMs } from './common';
import { benchDcVaeConfig, dcVaeStepMs, lstmAeStepMs, type StepMs, type StepRun } from './model_steps';

type Mode = 'fp32' | 'tf32';
const MODES: Mode[] = ['fp32', 'tf32'];
const WARMUP = 3, REPS = 10;
const ON_GPU: StepRun = { warmup: WARMUP, reps: REPS, device: 'cuda' };
const GEMM_SIZES = [2048, 4096];
// The CPU benchmarks' sizes, then a batch that fills more of the GPU.
const LSTM_AE = [
  { batch: 64, scoreBatch: 256, window: 100, channels: 38 },
  { batch: 512, scoreBatch: 2048, window: 100, channels: 38 },
];
const DC_VAE_CHANNELS = 12;
const DC_VAE = [{ batch: 32, scoreBatch: 256 }, { batch: 256, scoreBatch: 2048 }];

interface PeerMode {
  gemm_tflops: Record<string, number>;
  lstm_ae: StepMs[];
  dc_vae: StepMs[];
}
interface Peer {
  device?: string;
  torch?: string;
  cudnn?: number;
  peak_source?: string;
  fma_peak_tflops?: number | null;
  mma_tf32_peak_tflops?: number | null;
  datasheet_fp32_tflops?: number | null;
  datasheet_tf32_tflops?: number | null;
  modes?: Record<Mode, PeerMode>;
  error?: string;
}

/** A one-element device tensor whose read waits for everything queued before it. */
function syncer(): { sync: () => void; free: () => void } {
  const t = Tensor.zeros([1], { device: 'cuda' });
  return { sync: () => void t.toArray(), free: () => t.dispose() };
}

function gemmTflops(n: number): number {
  const a = lcgTensorOn([n, n], 3, 'cuda'), b = lcgTensorOn([n, n], 4, 'cuda');
  const y = Tensor.empty([n, n], { device: 'cuda' });
  const s = syncer();
  try {
    const ms = medianMs(() => {
      native.matmulForward(a.native, b.native, y.native, false, false);
      s.sync();
    }, WARMUP, REPS);
    return (2 * n ** 3) / (ms / 1e3) / 1e12;
  } finally {
    [a, b, y].forEach((t) => t.dispose());
    s.free();
  }
}

function runPeer(): Peer {
  const python = process.env.VIGIL_BENCH_PYTHON ?? 'python3';
  const script = join(process.env.VIGIL_BENCH_DIR ?? __dirname, 'torch_gpu.py');
  const config = {
    warmup: WARMUP, reps: REPS, gemm: GEMM_SIZES, lstm_ae: LSTM_AE,
    dc_vae: DC_VAE.map((c) => ({ ...c, config: benchDcVaeConfig(DC_VAE_CHANNELS) })),
  };
  const r = spawnSync(python, [script, JSON.stringify(config)], {
    encoding: 'utf8', timeout: 400_000, env: { ...process.env, PYTHONUNBUFFERED: '1' },
  });
  const line = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as Peer;
  } catch {
    const why = r.error?.message ?? (r.stderr?.trim().split('\n').slice(-5).join(' | ') || `exit ${r.status}`);
    return { error: `${python} ${script} failed: ${why}` };
  }
}

const fmt = (v: number | null | undefined, digits = 1) => (v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits));

export function benchGpu(): void {
  const info = native.buildInfo();
  if (!info.cudaCompiled || info.cudaDevices === 0) {
    console.error(`bench gpu: no usable CUDA device, nothing measured: ${info.cudaInfo}` +
      (info.cudaCompiled ? '' : ' (this build has no CUDA kernels: rebuild with VIGIL_CUDA=ON where nvcc exists)') +
      '. Run it on a machine with an NVIDIA GPU (docs/gpu.md).');
    process.exitCode = 1;
    return;
  }
  console.log(`device: ${info.cudaInfo}`);
  const previousTf32 = native.cudaSetTf32(false);
  const vigil: Record<Mode, { gemm: Record<string, number>; lstmAe: StepMs[]; dcVae: (StepMs & { full_ms: number })[] }> = {} as never;
  try {
    for (const mode of MODES) {
      native.cudaSetTf32(mode === 'tf32');
      vigil[mode] = {
        gemm: Object.fromEntries(GEMM_SIZES.map((n) => [String(n), gemmTflops(n)])),
        lstmAe: LSTM_AE.map((c) => lstmAeStepMs(c, ON_GPU)),
        dcVae: DC_VAE.map((c) => dcVaeStepMs(benchDcVaeConfig(DC_VAE_CHANNELS), c, ON_GPU)),
      };
    }
  } finally {
    native.cudaSetTf32(previousTf32);
  }
  const peer = runPeer();
  if (peer.error) console.error(`bench gpu: the PyTorch peer gave no numbers (${peer.error}); ratios are blank`);
  else console.log(`PyTorch ${peer.torch} (cuDNN ${peer.cudnn}) on ${peer.device}`);

  const peak = (mode: Mode) => {
    const measured = mode === 'fp32' ? peer.fma_peak_tflops : peer.mma_tf32_peak_tflops;
    const sheet = mode === 'fp32' ? peer.datasheet_fp32_tflops : peer.datasheet_tf32_tflops;
    return measured ? { v: measured, src: 'measured' } : sheet ? { v: sheet, src: 'datasheet' } : null;
  };
  console.log(`peak: ${peer.peak_source ?? 'unknown'}; fp32 FMA loop ${fmt(peer.fma_peak_tflops)} TFLOP/s, tf32 mma.sync loop ${fmt(peer.mma_tf32_peak_tflops)} ` +
    `TFLOP/s; datasheet fp32 ${fmt(peer.datasheet_fp32_tflops)}, tf32 dense ${fmt(peer.datasheet_tf32_tflops)}`);
  console.log('\n| GEMM | mode | Vigil TFLOP/s | % of peak | peak TFLOP/s (source) | cuBLAS TFLOP/s | ratio |');
  console.log('|---|---|---|---|---|---|---|');
  for (const mode of MODES)
    for (const n of GEMM_SIZES) {
      const v = vigil[mode].gemm[String(n)], t = peer.modes?.[mode]?.gemm_tflops[String(n)], p = peak(mode);
      console.log(`| ${n}x${n}x${n} | ${mode} | ${fmt(v)} | ${p ? fmt((100 * v) / p.v, 0) + '%' : '—'} | ${p ? `${fmt(p.v)} (${p.src})` : '—'} | ${fmt(t)} | ${t ? fmt(v / t, 2) + 'x' : '—'} |`);
    }
  console.log('\n| model step | mode | Vigil ms | Vigil windows/s | PyTorch ms | PyTorch windows/s | ratio |');
  console.log('|---|---|---|---|---|---|---|');
  const row = (name: string, mode: Mode, n: number, mine: number, theirs: number | undefined) =>
    console.log(`| ${name} | ${mode} | ${fmt(mine, 2)} | ${fmt((n * 1000) / mine, 0)} | ${fmt(theirs, 2)} | ${theirs ? fmt((n * 1000) / theirs, 0) : '—'} | ${theirs ? fmt(theirs / mine, 2) + 'x' : '—'} |`);
  for (const mode of MODES) {
    const p = peer.modes?.[mode];
    LSTM_AE.forEach((c, i) => {
      row(`lstm-ae training (batch ${c.batch})`, mode, c.batch, vigil[mode].lstmAe[i].train_ms, p?.lstm_ae[i]?.train_ms);
      row(`lstm-ae scoring (batch ${c.scoreBatch})`, mode, c.scoreBatch, vigil[mode].lstmAe[i].score_ms, p?.lstm_ae[i]?.score_ms);
    });
    DC_VAE.forEach((c, i) => {
      row(`dc-vae training (batch ${c.batch})`, mode, c.batch, vigil[mode].dcVae[i].train_ms, p?.dc_vae[i]?.train_ms);
      row(`dc-vae scoring (batch ${c.scoreBatch})`, mode, c.scoreBatch, vigil[mode].dcVae[i].score_ms, p?.dc_vae[i]?.score_ms);
      row(`dc-vae scoring, full forward (batch ${c.scoreBatch})`, mode, c.scoreBatch, vigil[mode].dcVae[i].full_ms, p?.dc_vae[i]?.score_ms);
    });
  }
  if (process.env.VIGIL_BENCH_JSON) writeFileSync(process.env.VIGIL_BENCH_JSON, JSON.stringify({ info, vigil, peer }, null, 1));
}
