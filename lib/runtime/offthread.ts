// Runs a function of a module on a worker thread so the calling event loop stays free while
// native work (training, batch scoring) runs. The native core is shared by the process: the
// worker's tensors live in the same native heap and the same thread pool.
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';

export interface OffThreadOptions {
  /** Receives what the function passes to its `progress` callback. */
  onProgress?: (message: unknown) => void;
}

/** What the called function receives as its last argument. */
export interface OffThreadContext {
  progress(message: unknown): void;
}

/**
 * Calls `require(modulePath)[exportName](...args, ctx)` on a worker thread and resolves with its
 * (awaited) result. Arguments and result cross by structured clone (typed arrays are copied).
 */
export function runOffThread<R>(modulePath: string, exportName: string, args: unknown[] = [], opts: OffThreadOptions = {}): Promise<R> {
  const fromTs = __filename.endsWith('.ts');
  const entry = join(__dirname, fromTs ? 'worker_entry.ts' : 'worker_entry.js');
  return new Promise<R>((resolve, reject) => {
    const worker = new Worker(entry, {
      workerData: { modulePath, exportName, args },
      execArgv: fromTs ? ['--require', require.resolve('tsx/cjs')] : [],
    });
    let settled = false;
    worker.on('message', (m: { type: string; value?: unknown; message?: string; stack?: string }) => {
      if (m.type === 'progress') opts.onProgress?.(m.value);
      else if (m.type === 'result') {
        settled = true;
        resolve(m.value as R);
      } else if (m.type === 'error') {
        settled = true;
        const e = new Error(m.message);
        if (m.stack) e.stack = m.stack;
        reject(e);
      }
    });
    worker.on('error', (e) => {
      settled = true;
      reject(e);
    });
    worker.on('exit', (code) => {
      if (!settled) reject(new Error(`worker for ${exportName} exited with code ${code} before answering`));
    });
  });
}
