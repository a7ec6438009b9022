// `npm run bench -- inference`: the Detector's inference speed on its two backends, runs
// alternating native / onnxruntime.
// - Batch scoring rows/second (Detector.scoreSeries over a series that ends 512 windows, chunks
//   of 64 windows): native vs onnxruntime-node CPU on the same bundle, at equal thread counts
//   (native pool size = onnxruntime intraOpNumThreads, interOp 1, sequential). The runner sets
//   graphOptimizationLevel 'all'. LSTM-AE at the
//   seed-003 sizes (38 channels as SMD, window 100) and DC-VAE at upstream HEAD's (12 channels
//   as TELCO, window 128), freshly initialised (weights do not change speed), saved as bundles
//   in a temp dir. Both backends compute the same full forward of every window.
// - Streaming latency per row (stream.pushSync; onnxruntime: await push) for the LSTM-AE with
//   window 100: p50/p99 over `pushes` pushes after the window is full, one window per call
//   (which scores bit-identically to batch scoring).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import '../../models';
// lib/onnx registers the 'onnxruntime' Detector backend when it loads
import '../../lib/onnx';
import type { Series } from '../../lib/data/series';
import { Detector, type DetectorOptions } from '../../lib/detect/detector';
import { saveDetector } from '../../lib/detect/detector_bundle';
import { modelKind } from '../../lib/model';
import { Generator } from '../../lib/random';
import { withThreads, type SuiteContext } from './context';
import { alternate, median } from './stats';
import type { BenchTable, TableRow } from './table';

const WINDOWS = 512;
const MODELS = [
  { kind: 'lstm-ae', channels: 38, overrides: { window: 100 } },
  { kind: 'dc-vae', channels: 12, overrides: {} },
];

/** Smooth rows with a little LCG noise (no dependence on the engine's RNG). */
function makeSeries(rows: number, channels: number): Series {
  const data = new Float32Array(rows * channels);
  let s = 12345;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = Math.sin(i / (channels * 9)) + 0.1 * (s / 4294967296 - 0.5);
  }
  return { columns: Array.from({ length: channels }, (_, c) => `c${c}`), data, rows };
}

function makeBundle(dir: string, kind: string, channels: number, overrides: object): { path: string; window: number } {
  const k = modelKind(kind);
  const config = k.defaultConfig(channels, overrides);
  const model = k.create(config, new Generator(0));
  const columns = Array.from({ length: channels }, (_, c) => `c${c}`);
  const path = join(dir, `${kind}.vigil`);
  saveDetector(path, kind, config, model, {
    schema: { columns },
    scaler: { kind: 'standard', columns, center: new Array(channels).fill(0), scale: new Array(channels).fill(1) },
    windows: { length: model.window, stride: 1 },
    threshold: { value: 1, method: 'fixed', params: {} },
  });
  const window = model.window;
  model.dispose();
  return { path, window };
}

async function batchRowsPerSecond(path: string, series: Series, opts: DetectorOptions, reps: number): Promise<number> {
  const det = await Detector.load(path, opts);
  try {
    const decided = series.rows - det.window + 1;
    await det.scoreSeries(series); // warm-up
    const times: number[] = [];
    for (let i = 0; i < reps; i++) {
      const t0 = performance.now();
      await det.scoreSeries(series);
      times.push((performance.now() - t0) / 1000);
    }
    return decided / median(times);
  } finally {
    await det.dispose();
  }
}

async function streamLatency(path: string, series: Series, opts: DetectorOptions, pushes: number): Promise<{ p50Ms: number; p99Ms: number }> {
  const det = await Detector.load(path, opts);
  try {
    const F = series.columns.length;
    const st = det.stream();
    const row = (i: number) => series.data.subarray((i % series.rows) * F, (i % series.rows + 1) * F);
    const sync = det.backendName === 'native';
    let i = 0;
    for (; i < det.window + 20; i++) await st.push(row(i)); // fill the window, warm up
    const times: number[] = [];
    for (let k = 0; k < pushes; k++, i++) {
      const r = row(i);
      const t0 = performance.now();
      if (sync) st.pushSync(r);
      else await st.push(r);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    return { p50Ms: times[Math.floor(0.5 * times.length)], p99Ms: times[Math.floor(0.99 * times.length)] };
  } finally {
    await det.dispose();
  }
}

export async function benchInference(ctx: SuiteContext): Promise<BenchTable[]> {
  const reps = ctx.quick ? 1 : 3, pushes = ctx.quick ? 200 : 1000;
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-inference-'));
  const batch: TableRow[] = [], stream: TableRow[] = [];
  try {
    for (const m of MODELS) {
      const { path, window } = makeBundle(dir, m.kind, m.channels, m.overrides);
      const series = makeSeries(window - 1 + WINDOWS, m.channels);
      for (const threads of ctx.threads) {
        ctx.log(`inference: ${m.kind}, ${threads} thread(s)`);
        const r = await withThreads(threads, () => alternate(ctx.runs,
          () => batchRowsPerSecond(path, series, { backend: 'native', threads }, reps),
          () => batchRowsPerSecond(path, series, { backend: 'onnxruntime', threads }, reps)));
        batch.push({ name: `${m.kind} (window ${window}, ${m.channels} channels)`, threads, vigil: r.vigil, peers: [r.peer] });
      }
      if (m.kind !== 'lstm-ae') continue;
      for (const threads of ctx.threads) {
        ctx.log(`inference: ${m.kind} stream, ${threads} thread(s)`);
        const r = await withThreads(threads, () => alternate(ctx.runs,
          () => streamLatency(path, series, { backend: 'native', threads }, pushes),
          () => streamLatency(path, series, { backend: 'onnxruntime', threads }, pushes)));
        for (const q of ['p50Ms', 'p99Ms'] as const)
          stream.push({ name: `lstm-ae stream ${q.slice(0, 3)} (window 100, 38 channels)`, threads, vigil: r.vigil.map((x) => x[q]), peers: [r.peer.map((x) => x[q])] });
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const peerLabels = ['onnxruntime CPU'];
  return [
    { title: `Batch scoring (\`inference\`): ${WINDOWS} windows in chunks of 64, Detector.scoreSeries`, unit: 'rows/s', higherIsBetter: true, peerLabels, rows: batch,
      notes: ['onnxruntime-node: intraOpNumThreads = threads, interOpNumThreads 1, sequential, graphOptimizationLevel \'all\', its own spinning thread pool; Vigil: its pool, workers poll 200 us before sleeping.'] },
    { title: `Streaming latency per row (\`inference\`): ${pushes} pushes after the window is full`, unit: 'ms', higherIsBetter: false, peerLabels, rows: stream,
      notes: ['native: stream.pushSync; onnxruntime: await stream.push. Each run reports its own p50 / p99; the cells are the median, min and max of those over runs.'] },
  ];
}
