// --model for the commands that read a trained bundle: a missing flag or file is a usage error
// (exit 2) naming the flag, like a missing --data; a file that is there but not a valid bundle
// is a failure (exit 1) from lib/detect's loader.
import { existsSync } from 'node:fs';

import { loadDetector, type LoadedDetector } from '../../lib/detect/detector_bundle';
import { UsageError } from './args';

export function loadModelArg(path: string | undefined, what = 'the trained model bundle'): LoadedDetector {
  if (!path) throw new UsageError(`--model is required (${what})`);
  if (!existsSync(path)) throw new UsageError(`--model ${path}: no such file (train one with vigil train ... --out ${path})`);
  return loadDetector(path);
}
