// `vigil train-queue submit|work|status`: per-entity training as jobs on a Redis queue
// (lib/scale/train_queue*.ts, docs/train_queue.md); one module per subcommand.
import { UsageError } from './args';
import { FLEET_FLAGS } from './scale_args';

/** Where the queue is: the fleet's Redis and key prefix (the queue's keys sit beside the scoring ones). */
export const QUEUE_FLAGS = { redis: FLEET_FLAGS.redis, prefix: FLEET_FLAGS.prefix } as const;

const SUBCOMMANDS: Record<string, { summary: string; run: (argv: string[]) => Promise<void> }> = {
  submit: { summary: 'queue one training job per entity (a folder of per-entity CSVs)', run: (a) => require('./train_queue_submit').submit(a) },
  work: { summary: 'a training worker: takes jobs, trains, writes each bundle (run several)', run: (a) => require('./train_queue_work').work(a) },
  status: { summary: 'counts by state (queued, running, done, failed with reasons)', run: (a) => require('./train_queue_status').status(a) },
};

export async function trainQueue(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  if (!sub || sub === '--help' || sub === '-h') {
    console.log(['usage: vigil train-queue <submit|work|status> [options]', '', ...Object.entries(SUBCOMMANDS).map(([k, v]) => `  ${k.padEnd(8)}${v.summary}`),
      '', 'vigil train-queue <subcommand> --help shows its options.'].join('\n'));
    return;
  }
  const s = SUBCOMMANDS[sub];
  if (!s) throw new UsageError(`train-queue: unknown subcommand "${sub}" (submit, work or status)`);
  await s.run(rest);
}
