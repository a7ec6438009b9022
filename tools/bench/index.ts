// `npm run bench -- <suite>`: benchmarks that print a ratio against a peer measured in the same
// run. Suites: ops (GEMM, lstm, causal_conv1d against PyTorch CPU), lstm-ae and dc-vae (each
// model's training and scoring throughput against the same model in PyTorch CPU). Prints a markdown table to
// paste into docs/performance.md with the date and machine.
import { cpus } from 'node:os';

const SUITES: Record<string, () => void> = {
  ops: () => {
    const { benchGemm } = require('./gemm') as typeof import('./gemm');
    const { benchSeq } = require('./seq') as typeof import('./seq');
    const gemm = benchGemm();
    console.log('\n| GEMM | threads | Vigil GFLOP/s | % of FMA peak | PyTorch oneDNN GFLOP/s | ratio | PyTorch default (BLAS) GFLOP/s | ratio |');
    console.log('|---|---|---|---|---|---|---|---|');
    for (const r of gemm)
      console.log(`| ${r.name} | ${r.threads} | ${r.vigilGflops.toFixed(1)} | ${(100 * r.peakFraction).toFixed(0)}% | ${r.torchOnednnGflops.toFixed(1)} | ${r.ratioOnednn.toFixed(2)}x | ${r.torchGflops.toFixed(1)} | ${r.ratio.toFixed(2)}x |`);
    const seq = benchSeq();
    console.log('\n| forward+backward | threads | Vigil ms | PyTorch ms | ratio |');
    console.log('|---|---|---|---|---|');
    for (const r of seq) console.log(`| ${r.name} | ${r.threads} | ${r.vigilMs.toFixed(2)} | ${r.torchMs.toFixed(2)} | ${r.ratio.toFixed(2)}x |`);
  },
  'lstm-ae': () => {
    const { benchLstmAe } = require('./lstm_ae') as typeof import('./lstm_ae');
    console.log('\n| model step | threads | Vigil windows/s | PyTorch windows/s | ratio |');
    console.log('|---|---|---|---|---|');
    for (const r of benchLstmAe())
      console.log(`| ${r.name} | ${r.threads} | ${r.vigilPerSecond.toFixed(0)} | ${r.torchPerSecond.toFixed(0)} | ${r.ratio.toFixed(2)}x |`);
  },
  gpu: () => (require('./gpu') as typeof import('./gpu')).benchGpu(),
  inference: () => void (require('./inference') as typeof import('./inference')).benchInference(),
  'dc-vae': () => {
    const { benchDcVae } = require('./dc_vae') as typeof import('./dc_vae');
    console.log('\n| model step | threads | Vigil windows/s | PyTorch windows/s | ratio |');
    console.log('|---|---|---|---|---|');
    for (const r of benchDcVae())
      console.log(`| ${r.name} | ${r.threads} | ${r.vigilPerSecond.toFixed(0)} | ${r.torchPerSecond.toFixed(0)} | ${r.ratio.toFixed(2)}x |`);
  },
};

function main(): void {
  const suite = process.argv[2];
  const run = suite ? SUITES[suite] : undefined;
  if (!run) {
    console.error(`usage: npm run bench -- <${Object.keys(SUITES).join('|')}>`);
    process.exit(2);
  }
  console.log(`vigil bench ${suite} — ${new Date().toISOString().slice(0, 10)}, ${cpus()[0]?.model ?? 'CPU'}, ${cpus().length} cores, Node ${process.version}`);
  run();
}

main();
