// `vigil train-queue submit`: one training job per entity. The entities are the CSV files of a
// folder (`<entity>.csv` or `.csv.gz`: the file name is the entity name that `vigil serve` reads
// from the rows' `e` field); each job trains on its file with the same flags as `vigil train` and
// writes <bundles>/<entity>.vigil (lib/scale/bundle_path.ts), the file `vigil serve --bundles` reads.
import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';

import { runFiles } from '../../lib/data/runs';
import { bundlePath } from '../../lib/scale/bundle_path';
import { connectRedis } from '../../lib/scale/redis';
import { submitJobs, type TrainJob } from '../../lib/scale/train_queue';
import { trainQueueKeys } from '../../lib/scale/train_queue_keys';
import { flagArgs, flagGiven, flagsOf, helpText, parseFlags, UsageError } from './args';
import { JSON_FLAG, Output } from './output';
import { redisUrl } from './scale_args';
import { TRAIN_FLAGS } from './train';
import { QUEUE_FLAGS } from './train_queue';

// train's flags each job passes on: all but the data and output ones (per entity here) and the
// checkpoint and log files (one file for every entity would be overwritten by each).
const { data: _data, out: _out, checkpoint: _checkpoint, resume: _resume, log: _log, json: _json, help: _help, ...JOB_FLAGS } = TRAIN_FLAGS;
const PER_RUN = { data: '--data-dir (one CSV per entity)', out: '--bundles (a folder)', checkpoint: 'nothing (a job is retrained from the start)', resume: 'nothing', log: 'nothing' };
/** Job flags naming a file: made absolute, so that a worker started elsewhere finds it. */
const FILE_FLAGS = new Set(['config', 'settings', 'names']);

const FLAGS = {
  'data-dir': { type: 'string', help: 'a folder of per-entity training data: each <entity>.csv (or .csv.gz) is one entity\'s rows' },
  bundles: { type: 'string', help: 'the folder the bundles go to, one <entity>.vigil each (what vigil serve --bundles reads)' },
  retrain: { type: 'boolean', help: 'queue entities already done, too (default: skip them; failed ones are always queued again)' },
  ...QUEUE_FLAGS,
  ...JOB_FLAGS,
  ...JSON_FLAG,
  help: { type: 'boolean', help: 'show this help' },
} as const;

/** The entities of the folder: file name without .csv / .csv.gz, in natural order. */
function entityFiles(dir: string): { entity: string; file: string }[] {
  return runFiles(dir).map((file) => ({ entity: basename(file).replace(/\.csv(\.gz)?$/i, ''), file: resolve(file) }));
}

export async function submit(argv: string[]): Promise<void> {
  for (const [flag, instead] of Object.entries(PER_RUN))
    if (flagGiven(argv, flag)) throw new UsageError(`train-queue submit: --${flag} is per run; the queue takes ${instead}`);
  const f = parseFlags('train-queue submit', argv, FLAGS);
  if (f.help) return console.log(helpText('train-queue submit', 'queue one training job per entity; train\'s flags apply to every job', FLAGS));
  if (!f['data-dir']) throw new UsageError('train-queue submit: --data-dir is required (a folder with one CSV per entity)');
  if (!f.bundles) throw new UsageError('train-queue submit: --bundles is required (the folder the bundles go to)');
  const args = flagArgs(flagsOf(argv, JOB_FLAGS).map(({ name, value }) => ({ name, value: FILE_FLAGS.has(name) && value && existsSync(value) ? resolve(value) : value })));
  // Checked now with train's own parser, so that a bad flag is this command's usage error, not every job's failure.
  parseFlags('train', args, TRAIN_FLAGS);
  const bundles = resolve(f.bundles);
  const jobs: TrainJob[] = entityFiles(f['data-dir']).map(({ entity, file }) => ({ entity, data: file, bundle: bundlePath(bundles, entity), args }));
  const out = new Output(!!f.json);
  const url = redisUrl(f.redis);
  const redis = await connectRedis(url);
  try {
    const r = await submitJobs(redis, trainQueueKeys(f.prefix), jobs, !!f.retrain);
    const skipped = r.skipped.length ? `; ${r.skipped.length} left as they are (${r.skipped.slice(0, 5).map((s) => `${s.entity}: ${s.state}`).join(', ')}${r.skipped.length > 5 ? ', ...' : ''})` : '';
    out.say(`vigil train-queue submit: ${r.queued.length} of ${jobs.length} entities queued on ${url} (prefix "${f.prefix}"), bundles to ${bundles}${skipped}`);
    out.result({ ...r, entities: jobs.length, bundles, prefix: f.prefix });
  } finally {
    redis.disconnect();
  }
}
