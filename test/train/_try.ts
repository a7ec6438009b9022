import { fit } from '../../lib/train/fit';
import { Generator } from '../../lib/random';
import { SeqNet, sineData } from './models';
(async () => {
  const data = sineData(200, 3, 8, 50, 1, 0.3);
  const seqNet = () => { const gen = new Generator(3); return { gen, model: new SeqNet(3, 8, gen, new Generator(9)) }; };
  const { gen, model } = seqNet();
  await fit(model, data, { batchSize: 16, lr: 2e-2, progress: false, epochs: 2, generator: gen, checkpoint: '/tmp/ck1.vigil' });
  const a = seqNet();
  try { await fit(a.model, data, { batchSize: 16, lr: 2e-2, progress: false, epochs: 4, optimizer: 'adamw', checkpoint: '/tmp/ck1.vigil', resume: true, generator: a.gen }); console.log('no error'); } catch (e) { console.log((e as Error).message); }
})();
