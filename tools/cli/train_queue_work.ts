// `vigil train-queue work`: a training worker (lib/scale/train_queue_worker.ts). Each job runs
// `vigil train`'s own code in this process (tools/cli/train.ts trainWith) on the entity's file,
// so a bundle equals what `vigil train` writes for that entity alone; its report lines and
// estimates come on stderr, each with the entity in front. The first SIGINT or SIGTERM lets the
// job in hand finish, then the worker exits; a second gives the job back to the queue at once.
import { connectRedis } from '../../lib/scale/redis';
import { TrainQueueWorker } from '../../lib/scale/train_queue_worker';
import { trainQueueKeys } from '../../lib/scale/train_queue_keys';
import { helpText, parseFlags, RANGE } from './args';
import { JSON_FLAG, Output } from './output';
import { redisUrl } from './scale_args';
import { TRAIN_FLAGS, trainWith, type TrainFlags } from './train';
import { QUEUE_FLAGS } from './train_queue';

const FLAGS = {
  ...QUEUE_FLAGS,
  name: { type: 'string', help: 'this worker\'s consumer name (default host-pid-random)' },
  'visibility-ms': { type: 'number', default: 60000, help: 'a job whose worker has not shown it is alive for this long is taken over and retried', range: { min: 100, integer: true } },
  'max-attempts': { type: 'number', default: 3, help: 'attempts a job gets (a worker dying mid-job uses one) before it is recorded as failed', range: RANGE.count },
  'until-empty': { type: 'boolean', help: 'exit once no job is queued or running, instead of waiting for more' },
  ...JSON_FLAG,
  help: { type: 'boolean', help: 'show this help' },
} as const;

/** train's report lines for one job, on stderr with the entity in front. */
class JobOutput extends Output {
  constructor(private readonly tag: string) {
    super(true);
  }
  override say(line: string): void {
    console.error(`${this.tag} ${line}`);
  }
  override note(line: string): void {
    console.error(`${this.tag} ${line}`);
  }
}

export async function work(argv: string[]): Promise<void> {
  const f = parseFlags('train-queue work', argv, FLAGS);
  if (f.help) return console.log(helpText('train-queue work', 'a training worker: takes jobs, trains, writes each bundle (run several)', FLAGS));
  const out = new Output(!!f.json);
  const url = redisUrl(f.redis);
  const redis = await connectRedis(url);
  const worker = new TrainQueueWorker(redis, trainQueueKeys(f.prefix), async (job, bundle) => {
    const args = [...job.args, '--data', job.data, '--out', bundle];
    const tag = `[${job.entity}]`;
    // fit's epoch lines too get the entity in front (its redrawn bar is for terminals: passed on as is)
    const progress = { isTTY: process.stderr.isTTY, write: (s: string) => process.stderr.write(s.startsWith('\r') ? s : s.replace(/^(?=.)/gm, `${tag} `)) };
    await trainWith(args, parseFlags('train', args, TRAIN_FLAGS) as TrainFlags, new JobOutput(tag), progress);
  }, { name: f.name, visibilityMs: f['visibility-ms'], maxAttempts: f['max-attempts'], untilEmpty: !!f['until-empty'], log: (line) => out.note(`vigil train-queue work ${worker.name}: ${line}`) });
  let signals = 0;
  const onSignal = () => {
    if (++signals === 1) {
      out.note(`vigil train-queue work ${worker.name}: stopping after the job in hand (signal again to give it back now)`);
      worker.stop();
      return;
    }
    worker.release().then(
      (entity) => {
        out.note(`vigil train-queue work ${worker.name}: ${entity ? `gave ${entity} back to the queue` : 'no job in hand'}; exiting`);
        redis.disconnect();
        process.exit(0);
      },
      (e) => {
        out.note(`vigil train-queue work ${worker.name}: could not give the job back (${(e as Error).message}); it is retried after the visibility timeout`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  out.note(`vigil train-queue work ${worker.name}: queue "${f.prefix}" on ${url}, visibility ${f['visibility-ms']} ms, ${f['max-attempts']} attempts a job`);
  try {
    const r = await worker.run();
    out.say(`vigil train-queue work ${worker.name}: stopped; ${r.done} done, ${r.failed} failed, ${r.retried} attempts queued again, ${r.takenOver} taken over from stopped workers`);
    out.result({ worker: worker.name, ...r });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    redis.disconnect();
  }
}
