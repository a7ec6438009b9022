// fit on a worker thread through runOffThread: a seeded run whose epochs are reported through
// the context's progress callback.
import { OffThreadContext } from '../../lib/runtime/offthread';
import { Generator } from '../../lib/random';
import { fit } from '../../lib/train/fit';
import { losses, SeqNet, sineData } from './models';

export async function fitSeqNet(seed: number, epochs: number, rows: number, ctx?: OffThreadContext): Promise<unknown[]> {
  const gen = new Generator(seed);
  const model = new SeqNet(3, 8, gen, new Generator(seed + 1));
  const r = await fit(model, sineData(rows, 3, 8, 50), {
    epochs, batchSize: 16, lr: 2e-2, generator: gen, progress: false,
    onEpoch: (rec) => ctx?.progress({ epoch: rec.epoch, trainLoss: rec.trainLoss }),
  });
  model.dispose();
  return losses(r.history);
}
