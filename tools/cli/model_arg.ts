// --model for the commands that read a trained bundle: a missing flag is a usage error (exit 2);
// a file that cannot be read or is no valid bundle is a failure (exit 1) from lib/detect's
// loader, with the flag named when the file is not there.
import { existsSync } from 'node:fs';

import { loadDetector, type LoadedDetector } from '../../lib/detect/detector_bundle';
import { UsageError } from './args';

export function loadModelArg(path: string | undefined, what = 'the trained model bundle'): LoadedDetector {
  if (!path) throw new UsageError(`--model is required (${what})`);
  try {
    return loadDetector(path);
  } catch (e) {
    if (existsSync(path)) throw e;
    throw new Error(`${(e as Error).message} (--model ${path}: no such file; vigil train ... --out ${path} writes one)`);
  }
}
