// The real datasets: read-only in ../shared/data (relative to the repository root), never
// copied into the project; tests that read them skip when they are absent.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const DATA = join(__dirname, '..', '..', '..', 'shared', 'data');

/** Call in a describe(): skips its tests, saying why, when `path` does not exist. */
export function skipWithout(path: string): void {
  before(function () {
    if (!existsSync(path)) {
      console.log(`      (skipped: ${path} is absent)`);
      this.skip();
    }
  });
}
