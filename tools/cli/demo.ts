// `vigil demo`: the main job on built-in data. Simulates the water treatment plant (one seeded
// run: a normal period, then an attacked period with the default scenarios), trains LSTM-AE and
// DC-VAE on the normal period, fits each threshold on a normal validation tail (never on the
// attack labels), fits PCA the same way, scores the attacked period, prints the evaluation
// (models vs random vs PCA) and what each attack touched and who caught it, and writes an HTML
// report. --check fails (exit 1) when an attack other than the stealthiest goes undetected.
import { DEFAULT_MIN_HOURS } from '../../lib/data/simulator';
import { formatReport } from '../../lib/eval/report';
import { missedAttacks } from '../report';
import { helpText, parseFlags, UsageError } from './args';
import { JSON_FLAG, Output } from './output';
import { defaultDemoModels, demoModels, demoWindow, FULL, QUICK, type DemoModel, type DemoSizes } from './demo/config';
import { demoData } from './demo/data';
import { evaluateDemo } from './demo/evaluate';
import { pcaScorer, randomScorer, trainAndScore } from './demo/models';
import { attackLines } from './demo/print';
import { writeDemoReport } from './demo/report';

const FLAGS = {
  seed: { type: 'number', default: 7, help: 'seed of the plant, the weights and the shuffling' },
  'hours-normal': { type: 'number', help: `hours of normal operation to train and calibrate on (default ${FULL.hoursNormal}; --quick ${QUICK.hoursNormal})` },
  'hours-attack': { type: 'number', help: `hours of the attacked period, at least ${DEFAULT_MIN_HOURS} (default ${FULL.hoursAttack}; --quick ${QUICK.hoursAttack})` },
  epochs: { type: 'number', help: `training epochs per model (default ${FULL.epochs}; --quick ${QUICK.epochs})` },
  models: {
    type: 'string', default: defaultDemoModels().map((m) => m.kind).join(','),
    help: `models to train, comma-separated: ${demoModels().map((m) => (m.optIn ? `${m.kind} (only when named: ${m.optIn})` : m.kind)).join(', ')}`,
  },
  quick: { type: 'boolean', help: `a shorter run for CI: the same data, ${QUICK.epochs} epochs on windows every ${QUICK.stride} rows` },
  check: { type: 'boolean', help: 'exit 1 unless every attack but the stealthiest is detected by some model' },
  out: { type: 'string', default: 'vigil-report', help: 'folder of the HTML report (index.html)' },
  ...JSON_FLAG,
  help: { type: 'boolean', help: 'show this help' },
} as const;

function sizesOf(f: ReturnType<typeof parseFlags<typeof FLAGS>>): DemoSizes {
  const base = f.quick ? QUICK : FULL;
  const s: DemoSizes = {
    ...base,
    hoursNormal: f['hours-normal'] ?? base.hoursNormal,
    hoursAttack: f['hours-attack'] ?? base.hoursAttack,
    epochs: f.epochs ?? base.epochs,
  };
  if (!(s.hoursAttack >= DEFAULT_MIN_HOURS)) throw new UsageError(`demo: --hours-attack must be at least ${DEFAULT_MIN_HOURS} (the default attacks need it), got ${s.hoursAttack}`);
  if (!(s.hoursNormal >= 2)) throw new UsageError(`demo: --hours-normal must be at least 2, got ${s.hoursNormal}`);
  if (!(Number.isInteger(s.epochs) && s.epochs >= 1)) throw new UsageError(`demo: --epochs must be a positive integer, got ${s.epochs}`);
  return s;
}

function modelsOf(list: string): DemoModel[] {
  const names = list.split(',').map((s) => s.trim()).filter(Boolean);
  const known = demoModels();
  if (!names.length) throw new UsageError(`demo: --models needs at least one of ${known.map((m) => m.kind).join(', ')}`);
  return names.map((n) => {
    const m = known.find((k) => k.kind === n);
    if (!m) throw new UsageError(`demo: unknown model "${n}" in --models (known: ${known.map((k) => k.kind).join(', ')})`);
    return m;
  });
}

const hours = (rows: number, step: number) => `${((rows * step) / 3600).toFixed(1)} h`;

export async function demo(argv: string[]): Promise<void> {
  const f = parseFlags('demo', argv, FLAGS);
  if (f.help) return console.log(helpText('demo', 'train detectors on a simulated plant under attack and report what they find', FLAGS));
  const t0 = Date.now();
  const out = new Output(!!f.json);
  const sizes = sizesOf(f);
  const models = modelsOf(f.models);
  const step = sizes.sampleSeconds;

  const data = demoData(sizes, f.seed, (channels) => Math.max(...models.map((m) => demoWindow(m, channels) - 1)));
  const { attacks, benign, channels } = data;
  const stealthy = attacks.filter((a) => a.stealthy).map((a) => a.id);
  const facts = [
    `Plant: simulated 4-stage water treatment (${channels.length} channels: ${channels.filter((c) => c.kind === 'sensor').length} sensors, ${channels.filter((c) => c.kind === 'actuator').length} actuators), seed ${f.seed}, one row every ${step} s.`,
    `Normal period ${sizes.hoursNormal} h: training on the first ${hours(data.train.rows, step)}, validation (early stopping, thresholds) on the last ${hours(data.validation.rows, step)}; scaler fitted on the training rows.`,
    `Attacked period ${sizes.hoursAttack} h (${data.attacked.rows} rows): ${attacks.length} attacks${stealthy.length ? ` (stealthiest: ${stealthy.join(', ')})` : ''} and ${benign.length} benign process change${benign.length === 1 ? '' : 's'} (not labelled).`,
    ...models.map((m) => `${m.describe}; ${sizes.epochs} epochs, batch ${sizes.batchSize}, training windows every ${sizes.stride} row${sizes.stride > 1 ? 's' : ''}, Adam lr ${m.lr}.`),
    'Models score each channel\'s error over its mean error on the validation rows (the error scale vigil train stores), so every channel is measured against its own normal level.',
    'Thresholds: POT (peaks over threshold, risk 1e-4) on each scorer\'s validation scores, normal data only; the attack labels are used for evaluation only.',
  ];
  out.say(`vigil demo${f.quick ? ' --quick' : ''}: ${channels.length}-channel simulated water treatment plant, seed ${f.seed}`);
  for (const line of facts.slice(1)) out.say(`  ${line}`);
  out.say('');

  const scored = [];
  for (const m of models) {
    const s = await trainAndScore(m, data, sizes, f.seed);
    out.say(`  ${s.summary}`);
    scored.push(s);
  }
  const pca = pcaScorer(data);
  out.say(`  ${pca.summary}`);
  scored.push(pca, randomScorer(data.attacked.rows, f.seed));

  const ev = evaluateDemo(data, scored, models.map((m) => m.kind), sizes.vusSeconds, step);
  out.say(`\nEvaluation on the attacked period (${data.attacked.rows} rows; VUS window L = ${ev.vusWindow} rows = ${ev.vusWindow * step} s):`);
  out.say(formatReport(ev.reports));
  out.say(`\nAttacks (detected: a row inside the attack scores above the threshold; top channels relative to their error on normal data):`);
  out.say(attackLines(ev.attacks, scored.filter((s) => s.name !== 'random').map((s) => s.name), step));

  const path = writeDemoReport(f.out, data, scored, ev, sizes, [...facts, `Run took ${((Date.now() - t0) / 1000).toFixed(0)} s.`]);
  const missed = missedAttacks(ev.attacks);
  const caught = ev.attacks.filter((a) => a.detected).length;
  out.say(`\n${caught}/${ev.attacks.length} attacks detected by ${models.map((m) => m.kind).join(' or ')}` +
    `${ev.attacks.filter((a) => !a.detected).map((a) => `; missed ${a.id}${a.stealthy ? ' (the stealthiest)' : ''}`).join('')}.`);
  out.say(`report: ${path}`);
  out.say(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  out.result({
    seed: f.seed, quick: !!f.quick, models: models.map((m) => m.kind), rows: data.attacked.rows, stepSeconds: step, vusWindow: ev.vusWindow,
    reports: JSON.parse(formatReport(ev.reports, 'json')),
    attacks: ev.attacks.map((a) => ({ id: a.id, stealthy: !!a.stealthy, channels: a.channels, detected: a.detected, detections: a.detections })),
    detected: caught, report: path, seconds: (Date.now() - t0) / 1000, check: f.check ? missed.length === 0 : null,
  });
  if (f.check && missed.length) {
    throw new Error(`--check failed: not detected by any model: ${missed.map((a) => `${a.id} (${a.channels.join(', ')})`).join('; ')}`);
  }
  if (f.check) out.say('check passed: every attack except the stealthiest was detected with thresholds fitted on normal data only');
}
