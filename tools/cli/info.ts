// `vigil info`: what this build of Vigil can do on this machine.
import { cpus } from 'node:os';

import { native } from '../../lib/binding';

export function info(): void {
  const b = native.buildInfo();
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  console.log(`vigil-ad ${require('../../package.json').version}`);
  console.log(`CPU: ${cpu}, ${cpus().length} cores, ${b.threads} native threads`);
  if (!b.cudaCompiled) console.log('CUDA: not compiled into this build (rebuild with nvcc present, or VIGIL_CUDA=ON)');
  else if (b.cudaDevices === 0) console.log(`CUDA: compiled in, but no usable CUDA device: ${b.cudaInfo}`);
  else console.log(`CUDA: ${b.cudaDevices} device(s): ${b.cudaInfo}`);
}
