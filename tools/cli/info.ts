// `vigil info`: what this build of Vigil can do on this machine.
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';

import { packageRoot } from '../../lib/addon_location';
import { addonPath, native } from '../../lib/binding';
import { helpText, parseFlags } from './args';
import { JSON_FLAG, Output } from './output';

const FLAGS = {
  ...JSON_FLAG,
  help: { type: 'boolean', help: 'show this help' },
} as const;

export function info(argv: string[]): void {
  const f = parseFlags('info', argv, FLAGS);
  if (f.help) return console.log(helpText('info', 'show the build (CUDA or not), devices and threads', FLAGS));
  const out = new Output(!!f.json);
  const b = native.buildInfo();
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const version = packageVersion();
  out.say(`vigil-ad ${version}`);
  out.say(`CPU: ${cpu}, ${cpus().length} cores, ${b.threads} native threads`);
  out.say(`addon: ${addonPath} (CPU kernels compiled for ${b.cpuTarget})`);
  if (!b.cudaCompiled) out.say('CUDA: not compiled into this build (rebuild with nvcc present, or VIGIL_CUDA=ON)');
  else if (b.cudaDevices === 0) out.say(`CUDA: compiled in, but no usable CUDA device: ${b.cudaInfo}`);
  else out.say(`CUDA: ${b.cudaDevices} device(s): ${b.cudaInfo}`);
  out.result({ version, cpu, cores: cpus().length, threads: b.threads, addon: addonPath, cpuTarget: b.cpuTarget, cuda: { compiled: b.cudaCompiled, devices: b.cudaDevices, info: b.cudaInfo } });
}

function packageVersion(): string {
  return JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')).version;
}
