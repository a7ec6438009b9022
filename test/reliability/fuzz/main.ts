// `npm run fuzz -- --count N --seed S [--per-mutant-ms M]`: a longer bundle fuzz campaign than
// `npm test` runs; prints the summary and exits 1 when any mutant failed.
import { parseArgs } from 'node:util';

import { runCampaign, summary } from './campaign';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { count: { type: 'string', default: '2000' }, seed: { type: 'string', default: '1' }, 'per-mutant-ms': { type: 'string', default: '2000' } } });
  const num = (name: string, v: string) => {
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got "${v}"`);
    return n;
  };
  const c = await runCampaign({ seed: num('seed', values.seed!), count: num('count', values.count!), perMutantMs: num('per-mutant-ms', values['per-mutant-ms']!) });
  console.log(summary(c));
  process.exit(c.failures.length ? 1 : 0);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(2);
});
