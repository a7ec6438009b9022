// Vigil's measured fp32 FMA peak at a thread count: the yardstick for "% of peak" and for the
// peer check (peer_check.ts). It is measured by build/vigil_fma_peak, a separate executable (so
// the addon carries no benchmark code), which prints one JSON line
// {"gflops": N, "threads": n, "seconds": s}. Older addons exported the same loop as
// native.fmaPeakGflops; that is the fallback when the executable has not been built, looked up
// as an optional member so this file compiles whether or not the binding still declares it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** The executable: VIGIL_FMA_PEAK, else where cmake-js puts it (build/ or build/Release/). */
export function fmaPeakExecutable(): string | undefined {
  return [process.env.VIGIL_FMA_PEAK, join(ROOT, 'build', 'vigil_fma_peak'), join(ROOT, 'build', 'Release', 'vigil_fma_peak')]
    .find((p): p is string => !!p && existsSync(p));
}

type LegacyPeak = { fmaPeakGflops?: (threads: number, seconds: number) => number };

function legacyPeak(): LegacyPeak['fmaPeakGflops'] {
  // required lazily: the executable path needs no addon at all
  const { native } = require('../../lib/binding') as typeof import('../../lib/binding');
  return (native as unknown as LegacyPeak).fmaPeakGflops?.bind(native);
}

/** One measurement of `seconds` on `threads` threads, in GFLOP/s. */
function measureOnce(threads: number, seconds: number): number {
  const exe = fmaPeakExecutable();
  if (exe) {
    const r = spawnSync(exe, [String(threads), String(seconds)], { encoding: 'utf8' });
    const line = (r.stdout ?? '').trim().split('\n').pop() ?? '';
    let parsed: { gflops?: unknown; threads?: unknown } = {};
    try {
      parsed = JSON.parse(line);
    } catch {
      throw new Error(`${exe} ${threads} ${seconds}: no JSON line (exit ${r.status}; ${r.error?.message ?? r.stderr?.trim() ?? ''})`);
    }
    if (typeof parsed.gflops !== 'number' || parsed.threads !== threads)
      throw new Error(`${exe}: unexpected answer ${line}`);
    return parsed.gflops;
  }
  const legacy = legacyPeak();
  if (!legacy) throw new Error('no FMA peak: build/vigil_fma_peak is not built and the addon has no fmaPeakGflops (run `npm run build:native`)');
  return legacy(threads, seconds);
}

/**
 * The FMA peak on `threads` threads: the best of `parts` measurements of `seconds / parts` each
 * (another process on the cores can only lower a peak measurement, so the best is the truest).
 */
export function fmaPeakGflops(threads: number, seconds = 0.6, parts = 3): number {
  let best = 0;
  for (let i = 0; i < parts; i++) best = Math.max(best, measureOnce(threads, seconds / parts));
  return best;
}

/** Where the figure comes from, for the bench's header. */
export function fmaPeakSource(): string {
  return fmaPeakExecutable() ?? 'native.fmaPeakGflops (legacy addon)';
}
