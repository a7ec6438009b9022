// Native memory over a long fit, measured in a fresh process (in the shared mocha process the
// garbage collector may free other tests' leftovers meanwhile and move the counts). Prints JSON:
// the live buffers/bytes before fit, at the end of every epoch, and after fit.
import { native } from '../../lib/binding';
import { Generator } from '../../lib/random';
import { fit } from '../../lib/train/fit';
import { SeqNet, sineData } from './models';

async function main(): Promise<void> {
  const epochs = Number(process.argv[2]);
  const gen = new Generator(3);
  const model = new SeqNet(3, 8, gen, new Generator(9));
  const data = sineData(80, 3, 8, 30);
  const mem = () => ({ buffers: native.memory().cpuBuffers, bytes: native.memory().cpuBytes });
  const before = mem();
  const epochsMem: ReturnType<typeof mem>[] = [];
  await fit(model, data, { epochs, batchSize: 16, lr: 2e-2, generator: gen, progress: false, onEpoch: () => void epochsMem.push(mem()) });
  model.zeroGrad();
  process.stdout.write(JSON.stringify({ before, epochs: epochsMem, after: mem() }));
}

void main();
