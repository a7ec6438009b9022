// The service's --state file: every open stream's state, written atomically (a kill at any
// moment leaves the old file or the new one) and read back at start. An unreadable file stops
// the start, naming the path, unless the operator chose to start empty (`--state-on-error=reset`).
import { readFileSync } from 'node:fs';

import { writeFileAtomic } from '../../lib/io/atomic';
import type { StreamState } from '../../lib/detect/stream';

export type StateOnError = 'refuse' | 'reset';

export type SavedStates = Record<string, StreamState>;

export function parseStateOnError(v: string | undefined): StateOnError {
  if (v === undefined || v === 'refuse' || v === 'reset') return v ?? 'refuse';
  throw new Error(`--state-on-error must be refuse or reset, not "${v}"`);
}

/**
 * The saved states (undefined when there is no file yet). A file that cannot be read or is not
 * an object of states: an error naming the path ('refuse'), or a warning and no states ('reset').
 */
export function readStates(path: string, onError: StateOnError, warn: (m: string) => void = console.warn): SavedStates | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return refused(path, (e as Error).message, onError, warn);
  }
  let states: unknown;
  try {
    states = JSON.parse(text);
  } catch (e) {
    return refused(path, `not JSON (${(e as Error).message})`, onError, warn);
  }
  if (states === null || typeof states !== 'object' || Array.isArray(states) || Object.values(states).some((s) => s === null || typeof s !== 'object'))
    return refused(path, 'not an object of stream states by id', onError, warn);
  return states as SavedStates;
}

/** After a restore failed: the error to throw ('refuse'), or a warning ('reset'). */
export function refused(path: string, why: string, onError: StateOnError, warn: (m: string) => void = console.warn): undefined {
  const message = `--state ${path}: ${why}`;
  if (onError === 'refuse') throw new Error(`${message}; fix or move the file, or start with --state-on-error=reset to start with no streams`);
  warn(`${message}; starting with no streams (--state-on-error=reset)`);
  return undefined;
}

export function writeStates(path: string, states: SavedStates): void {
  writeFileAtomic(path, JSON.stringify(states));
}
