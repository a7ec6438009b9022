// A training run in its own process, for the crash test: `tsx fit_child.ts <dir> [resume]`.
// With PAUSE_AT=<epoch>:<batch> it prints "paused" when it reaches that training batch and
// blocks (the test then kills it with SIGKILL, in the middle of an epoch). At the end it writes
// <dir>/result.json: the history and the final weights. With TRAINING=staead it trains with
// STAE-AD's setup: AMSGrad, per-tensor gradient clipping and a cyclic learning rate.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { CyclicLR } from '../../lib/optim';
import { Generator } from '../../lib/random';
import { fit } from '../../lib/train/fit';
import { FitData } from '../../lib/train/data';
import { losses, SeqNet, sineData, weightBytes } from './models';

export const RUN = { epochs: 20, batchSize: 16, lr: 2e-2 };
/** 9 steps per epoch: a cycle of 20 steps crosses epoch ends (and the resume point). */
export const STAEAD = { amsgrad: true, clipGradNormPerTensor: 1, lrSchedule: new CyclicLR({ baseLr: 5e-3, maxLr: 3e-2, stepSize: 10 }) };

/** Holds the process at one training batch (a synchronous sleep: nothing else runs). */
function pausing(data: FitData, epoch: number, batch: number, steps: number): FitData {
  let calls = 0;
  return {
    trainCount: data.trainCount,
    validationCount: data.validationCount,
    batch(split, idx) {
      if (split === 'train' && ++calls === (epoch - 1) * steps + batch) {
        process.stdout.write('paused\n');
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
      }
      return data.batch(split, idx);
    },
  };
}

async function main(): Promise<void> {
  const [dir, mode] = process.argv.slice(2);
  const gen = new Generator(3);
  const model = new SeqNet(3, 8, gen, new Generator(9));
  let data = sineData(200, 3, 8, 50, 1, 0.3);
  if (process.env.PAUSE_AT) {
    const [e, b] = process.env.PAUSE_AT.split(':').map(Number);
    data = pausing(data, e, b, Math.ceil(data.trainCount / RUN.batchSize));
  }
  const r = await fit(model, data, {
    ...RUN,
    ...(process.env.TRAINING === 'staead' ? STAEAD : {}),
    generator: gen,
    restoreBest: false,
    checkpoint: { path: join(dir, 'ck.vigil'), kind: 'seq-net', config: { features: 3, hidden: 8 } },
    log: join(dir, 'log.jsonl'),
    resume: mode === 'resume',
    progress: false,
  });
  writeFileSync(join(dir, 'result.json'), JSON.stringify({ resumedFrom: r.resumedFrom, bestEpoch: r.bestEpoch, history: losses(r.history), weights: weightBytes(model) }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
