// Temporary files for the data tests: one folder per test, removed afterwards.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';

export interface TmpDir {
  path: string;
  /** Writes `text` to `name` (subfolders created; .gz names are gzipped) and returns its path. */
  file(name: string, text: string): string;
}

/** Call at the top of a describe(): a fresh folder before each test, removed after it. */
export function useTmpDir(): TmpDir {
  const dir: TmpDir = {
    path: '',
    file(name, text) {
      const p = join(dir.path, name);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, name.endsWith('.gz') ? gzipSync(text) : text);
      return p;
    },
  };
  beforeEach(() => (dir.path = mkdtempSync(join(tmpdir(), 'vigil-data-'))));
  afterEach(() => rmSync(dir.path, { recursive: true, force: true }));
  return dir;
}

/** Resolves with the error the promise rejects with (fails when it resolves). */
export async function rejection(p: Promise<unknown>): Promise<any> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected the promise to reject');
}
