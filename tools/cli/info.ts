// `vigil info`: what this build of Vigil can do on this machine.
import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';

import { native } from '../../lib/binding';

export function info(): void {
  const b = native.buildInfo();
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  console.log(`vigil-ad ${packageVersion()}`);
  console.log(`CPU: ${cpu}, ${cpus().length} cores, ${b.threads} native threads`);
  if (!b.cudaCompiled) console.log('CUDA: not compiled into this build (rebuild with nvcc present, or VIGIL_CUDA=ON)');
  else if (b.cudaDevices === 0) console.log(`CUDA: compiled in, but no usable CUDA device: ${b.cudaInfo}`);
  else console.log(`CUDA: ${b.cudaDevices} device(s): ${b.cudaInfo}`);
}

/** The version in the nearest package.json above this file (the sources, or dist/ in a package). */
function packageVersion(): string {
  for (let d = __dirname; ; d = dirname(d)) {
    const p = join(d, 'package.json');
    if (existsSync(p)) return JSON.parse(readFileSync(p, 'utf8')).version;
    if (dirname(d) === d) return 'unknown';
  }
}
