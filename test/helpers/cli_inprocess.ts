// Running the `vigil` CLI's main() in this process: for cases that end before any real work
// (usage errors, hints), where a child process per case would cost seconds each.
import { main } from '../../tools/cli/main';

/** Runs main(args); returns its exit code and what it printed on stdout and stderr. */
export async function vigilInProcess(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [], err: string[] = [];
  const log = console.log, error = console.error;
  console.log = (...a: unknown[]) => void out.push(a.join(' '));
  console.error = (...a: unknown[]) => void err.push(a.join(' '));
  const before = process.exitCode;
  process.exitCode = undefined;
  try {
    await main(args);
    return { code: Number(process.exitCode ?? 0), out: out.join('\n'), err: err.join('\n') };
  } finally {
    console.log = log;
    console.error = error;
    process.exitCode = before;
  }
}
