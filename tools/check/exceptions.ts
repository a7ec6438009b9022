// Known layering violations, each kept on purpose until the owner of the file fixes it; the
// check fails on any other, and on an exception that no longer matches anything (remove it then).
import type { Exception } from './rules';

export const EXCEPTIONS: Exception[] = [
  {
    rule: 'require',
    file: 'lib/runtime/worker_entry.ts',
    reason: "runOffThread's worker loads the caller's module by a path known only at run time: no arrow between lib units. " +
      'Fix: import(pathToFileURL(path)) once the worker is given the TypeScript loader for ESM (tsx) as well.',
  },
];
