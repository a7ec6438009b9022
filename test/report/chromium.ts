// Headless Chromium for the report's browser tests: find it on PATH, load a page (optionally
// at a #fragment), and return the DOM after scripts ran with the console's messages.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** A Chromium (or Chrome) on PATH, or null. */
export function findChromium(): string | null {
  for (const name of ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable']) {
    for (const dir of (process.env.PATH ?? '').split(delimiter)) if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return null;
}

export const NO_CHROMIUM = 'no Chromium on PATH: the browser checks are skipped (apt-get install -y chromium runs them)';

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars'];

/**
 * The page's DOM after its scripts ran, and the lines Chromium logged from the page's console
 * (console.* calls and uncaught errors: "CONSOLE(...)" lines on stderr with --enable-logging).
 */
export function dumpDom(chromium: string, file: string, fragment = ''): { dom: string; console: string[] } {
  const r = spawnSync(chromium, [...FLAGS, '--enable-logging=stderr', '--v=0', '--dump-dom', `file://${file}${fragment}`], { encoding: 'utf8', timeout: 50000, maxBuffer: 64 << 20 });
  if (r.status !== 0 || !r.stdout) throw new Error(`chromium --dump-dom failed (${r.status}): ${r.stderr.slice(-2000)}`);
  return { dom: r.stdout, console: r.stderr.split('\n').filter((l) => /CONSOLE/.test(l)) };
}

/** A screenshot of the page (width x height) written to png. */
export function screenshot(chromium: string, file: string, png: string, width: number, height: number): string {
  const r = spawnSync(chromium, [...FLAGS, `--screenshot=${png}`, `--window-size=${width},${height}`, `file://${file}`], { encoding: 'utf8', timeout: 50000 });
  return r.stderr;
}
