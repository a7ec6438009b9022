// The `vigil` command line: dispatches to one module per subcommand.
import '../../models'; // registers the model kinds bundles name
import '../../lib/onnx/export/export'; // registers the onnxruntime backend (detect --backend)
import { UsageError } from './args';
import { cliMessage } from './hints';

const COMMANDS: Record<string, { summary: string; run: (argv: string[]) => Promise<void> | void }> = {
  info: { summary: 'show the build (CUDA or not), devices and threads', run: (a) => require('./info').info(a) },
  models: { summary: 'list the model kinds: input, seed system, default config', run: (a) => require('./models').models(a) },
  train: { summary: 'train a detector on normal data', run: (a) => require('./train').train(a) },
  calibrate: { summary: 'fit the threshold on validation data', run: (a) => require('./calibrate').calibrate(a) },
  detect: { summary: 'score data: per-row score, flag and top channels', run: (a) => require('./detect').detect(a) },
  evaluate: { summary: 'report detection quality (model vs random vs PCA)', run: (a) => require('./evaluate').evaluate(a) },
  report: { summary: 'write an HTML report of scored data: scores, alarm episodes, all channels', run: (a) => require('./report').report(a) },
  export: { summary: 'write a trained detector as an ONNX file (metadata: scaler, threshold)', run: (a) => require('./export').exportOnnx(a) },
  simulate: { summary: 'simulate the built-in water plant with labelled attacks (CSV + sidecar)', run: (a) => require('./simulate').simulate(a) },
  demo: { summary: 'train detectors on a simulated plant under attack; write an HTML report', run: (a) => require('./demo').demo(a) },
  serve: { summary: 'score a fleet of streams from Redis Streams (a worker; run several)', run: (a) => require('./serve').serve(a) },
  'train-queue': { summary: 'train one bundle per entity as jobs on a Redis queue: submit|work|status', run: (a) => require('./train_queue').trainQueue(a) },
  replay: { summary: 'push a CSV into Redis as N entities at a rate (load generator for serve)', run: (a) => require('./replay').replay(a) },
};

function usage(): string {
  const lines = ['usage: vigil <command> [options]', '', 'Commands:'];
  for (const [k, v] of Object.entries(COMMANDS)) lines.push(`  ${k.padEnd(12)}${v.summary}`);
  lines.push('', 'vigil <command> --help shows the options of a command.');
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    console.log(usage());
    return;
  }
  const c = COMMANDS[cmd];
  try {
    if (!c) throw new UsageError(`unknown command "${cmd}" (vigil --help lists them)`);
    await c.run(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`vigil: ${e.message}`);
      process.exitCode = 2;
    } else {
      console.error(`vigil ${cmd}: ${cliMessage(e as Error)}`);
      if (process.env.VIGIL_DEBUG) console.error((e as Error).stack);
      process.exitCode = 1;
    }
  }
}
