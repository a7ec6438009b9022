// `vigil train-queue status`: the queue's counts by state, the failed jobs with their reasons and
// the running ones with their workers (lib/scale/train_queue.ts queueStatus).
import { connectRedis } from '../../lib/scale/redis';
import { queueStatus } from '../../lib/scale/train_queue';
import { trainQueueKeys } from '../../lib/scale/train_queue_keys';
import { helpText, parseFlags } from './args';
import { duration } from './estimate';
import { JSON_FLAG, Output } from './output';
import { redisUrl } from './scale_args';
import { QUEUE_FLAGS } from './train_queue';

const FLAGS = {
  ...QUEUE_FLAGS,
  ...JSON_FLAG,
  help: { type: 'boolean', help: 'show this help' },
} as const;

export async function status(argv: string[]): Promise<void> {
  const f = parseFlags('train-queue status', argv, FLAGS);
  if (f.help) return console.log(helpText('train-queue status', 'counts by state (queued, running, done, failed with reasons)', FLAGS));
  const out = new Output(!!f.json);
  const url = redisUrl(f.redis);
  const redis = await connectRedis(url);
  try {
    const s = await queueStatus(redis, trainQueueKeys(f.prefix));
    const c = s.counts;
    const left = s.secondsLeft === null || c.queued + c.running === 0 ? '' : `; about ${duration(s.secondsLeft)} left (${duration(s.meanSeconds!)} a job)`;
    out.say(`vigil train-queue status: "${f.prefix}" on ${url}: ${c.queued} queued, ${c.running} running, ${c.done} done, ${c.failed} failed${left}`);
    for (const r of s.running) out.say(`  running ${r.entity}: ${r.worker}, attempt ${r.attempt}${r.idleMs === null ? '' : `, last alive ${duration(r.idleMs / 1000)} ago`}`);
    for (const r of s.failed) out.say(`  failed ${r.entity} after ${r.attempts} attempt${r.attempts === 1 ? '' : 's'}: ${r.error}`);
    out.result({ prefix: f.prefix, ...s });
  } finally {
    redis.disconnect();
  }
}
