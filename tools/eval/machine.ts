// Where and from what a run came: the commit and the machine, for the results' provenance.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';

/** The CPU model (/proc/cpuinfo's first "model name", else Node's) and the cores Node may use. */
export function machine(): { cpu: string; cores: number } {
  let cpu = cpus()[0]?.model ?? 'unknown CPU';
  try {
    cpu = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpu;
  } catch {
    // Not Linux: Node's name for it.
  }
  return { cpu, cores: availableParallelism() };
}

export const load1 = (): number => loadavg()[0];

/** The short commit, with "+changes" when tracked files differ from it (the tree is shared). */
export function commit(repo: string): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repo, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: repo, encoding: 'utf8' }).trim();
    return dirty ? `${head}+changes` : head;
  } catch {
    return 'unknown (not a git checkout)';
  }
}
