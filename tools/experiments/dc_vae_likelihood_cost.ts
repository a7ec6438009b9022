// What the Student-t likelihood costs a DC-VAE training step against the Gaussian (issue 21):
// upstream HEAD's sizes on 12 channels, batch 32, forward + backward of the loss, 1 native
// thread, CPU time of this process (user + system, so other processes' load counts less than
// in wall time), the two likelihoods alternating for ROUNDS rounds of STEPS steps; prints the
// median ms per step of each and their ratio.
// Usage: tsx tools/experiments/dc_vae_likelihood_cost.ts [ROUNDS=5] [STEPS=10]
import { native } from '../../lib/binding';
import { Generator } from '../../lib/random';
import { tidy } from '../../lib/tensor';
import { dcVaeKind } from '../../models/dc_vae';

const [ROUNDS = 5, STEPS = 10] = process.argv.slice(2).map(Number);
native.setNumThreads(1);
const models = (['gaussian', 'student-t'] as const).map((likelihood) => {
  const m = dcVaeKind.create(dcVaeKind.defaultConfig(12, { likelihood }), new Generator(0));
  m.train();
  return { likelihood, m, ms: [] as number[] };
});
const x = new Generator(1).normal([32, 128, 12]);
const stepMs = (m: (typeof models)[number]['m']): number => {
  const t0 = process.cpuUsage();
  for (let i = 0; i < STEPS; i++) tidy(() => m.loss(x).loss.backward());
  const t = process.cpuUsage(t0);
  return (t.user + t.system) / 1000 / STEPS;
};
for (const s of models) stepMs(s.m); // warm-up
for (let r = 0; r < ROUNDS; r++) for (const s of models) s.ms.push(stepMs(s.m));
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
for (const s of models) console.log(`${s.likelihood.padEnd(10)} ${median(s.ms).toFixed(1)} ms/step (${Math.min(...s.ms).toFixed(1)}-${Math.max(...s.ms).toFixed(1)})`);
console.log(`student-t / gaussian: ${(median(models[1].ms) / median(models[0].ms)).toFixed(3)}x`);
