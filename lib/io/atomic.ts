// Crash-safe file replacement: write a temporary file beside the target, flush it to disk, then
// rename over the target, so a reader sees the old file or the new one, never a torn one. A
// process killed between the write and the rename leaves its temporary file; the next write of
// the same target removes those whose writer is gone.
import { closeSync, fsyncSync, openSync, readdirSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * `.<target>.<pid>.<time>.tmp`: the writer's pid tells a live write from a dead one's leftover.
 * A file written there in several steps (a training run's bundle) is put in place by replaceWith.
 */
export function tempPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now().toString(36)}.tmp`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

/** Removes the temporary files of `path` left by writers that no longer run. */
export function removeStaleTemps(path: string): string[] {
  const prefix = `.${basename(path)}.`;
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dirname(path));
  } catch {
    return removed;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
    const m = /^(\d+)\.[0-9a-z]+\.tmp$/.exec(name.slice(prefix.length));
    if (!m || Number(m[1]) === process.pid || alive(Number(m[1]))) continue;
    try {
      unlinkSync(join(dirname(path), name));
      removed.push(name);
    } catch {
      /* removed by another writer meanwhile */
    }
  }
  return removed;
}

export function writeFileAtomic(path: string, data: Buffer | string): void {
  removeStaleTemps(path);
  const tmp = tempPath(path);
  const fd = openSync(tmp, 'w', 0o644);
  try {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone */
    }
    throw e;
  }
  closeSync(fd);
  replaceWith(tmp, path);
}

/** Renames the finished file `tmp` (tempPath(path), already on disk) over `path`, and makes the rename durable. */
export function replaceWith(tmp: string, path: string): void {
  renameSync(tmp, path);
  try {
    const dfd = openSync(dirname(path), 'r');
    fsyncSync(dfd);
    closeSync(dfd);
  } catch {
    /* directories cannot be fsynced on every platform */
  }
}
