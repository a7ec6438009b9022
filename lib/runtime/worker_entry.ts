// The worker side of runOffThread: loads the module, calls the function, posts the result.
import { parentPort, workerData } from 'node:worker_threads';

async function main(): Promise<void> {
  const { modulePath, exportName, args } = workerData as { modulePath: string; exportName: string; args: unknown[] };
  try {
    const mod = require(modulePath);
    const fn = mod[exportName];
    if (typeof fn !== 'function') throw new Error(`${modulePath} has no exported function ${exportName}`);
    const ctx = { progress: (value: unknown) => parentPort!.postMessage({ type: 'progress', value }) };
    const value = await fn(...args, ctx);
    parentPort!.postMessage({ type: 'result', value });
  } catch (e) {
    const err = e as Error;
    parentPort!.postMessage({ type: 'error', message: err?.message ?? String(e), stack: err?.stack });
  }
}

void main();
