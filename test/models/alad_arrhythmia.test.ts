// ALAD on Arrhythmia (issue 15): the `arrhythmia` named config's networks at the ODDS file's 274
// inputs, how the kind resolves named configs, and the seed summary of
// tools/experiments/alad_summary.ts (mean ± population std per protocol and method). The split
// sizes of both protocols on the real file are test/data/tabular.test.ts's.
import { strict as assert } from 'node:assert';

import { ALAD_NAMED_CONFIGS, aladDefaults, aladKind } from '../../models/alad';
import { Generator } from '../../lib/random';
import { summarise } from '../../tools/experiments/alad_summary';

describe('alad arrhythmia config', () => {
  it('has the original\'s latent 64, batch 32, lr 1e-5 and G 128-256, one hidden layer per E/D_xx/D_zz (widths 128/128/32)', () => {
    const c = aladKind.defaultConfig(274, { preset: 'arrhythmia' } as never);
    assert.deepEqual([c.inputs, c.latent, c.batchSize, c.lr, c.beta1, c.emaDecay], [274, 64, 32, 1e-5, 0.5, 0.999]);
    const m = aladKind.create(c, new Generator(1));
    const shapes = Object.fromEntries(m.namedParameters().filter(([k]) => k.endsWith('weight')).map(([k, t]) => [k, [...t.shape]]));
    assert.deepEqual(shapes, {
      'enc.fc1.weight': [128, 274], 'enc.fc2.weight': [64, 128],
      'gen.fc1.weight': [128, 64], 'gen.fc2.weight': [256, 128], 'gen.fc3.weight': [274, 256],
      'dxz.xFc.weight': [128, 274], 'dxz.xBn.weight': [128], 'dxz.zFc.weight': [128, 64], 'dxz.yFc.weight': [128, 256], 'dxz.out.weight': [1, 128],
      'dxx.fc.weight': [128, 548], 'dxx.out.weight': [1, 128],
      'dzz.fc.weight': [32, 128], 'dzz.out.weight': [1, 32],
    });
    m.dispose();
  });

  it('resolves named configs: kdd is the default, overrides apply on top, an unknown name is refused naming the known ones', () => {
    assert.deepEqual(aladKind.namedConfigs, ['kdd', 'arrhythmia']);
    assert.deepEqual(aladKind.defaultConfig(121), aladDefaults(121));
    assert.deepEqual(aladKind.defaultConfig(121, { preset: 'kdd' } as never), ALAD_NAMED_CONFIGS.kdd(121));
    const c = aladKind.defaultConfig(10, { preset: 'arrhythmia', batchSize: 8 } as never);
    assert.deepEqual([c.inputs, c.latent, c.batchSize], [10, 64, 8]);
    assert.ok(!('preset' in c), 'the name is not a config field');
    assert.throws(() => aladKind.defaultConfig(10, { preset: 'cifar' } as never), /alad: unknown preset "cifar" \(known: kdd, arrhythmia\)/);
  });
});

describe('alad_summary', () => {
  const figures = (f1: number) => ({ precision: 0.5, recall: f1, f1, auroc: 0.75, aupr: 0.25 });
  const run = (seed: number, f1: number, extra: object = {}) => ({
    preset: 'arrhythmia', seed, epochs: 100, score: 'fm', wallSeconds: 10 + seed, ...extra,
    results: [{ protocol: 'paper' as const, threshold: 'threshold from test scores: 85th percentile', inputs: 274,
      rows: { train: 187, validation: 19, test: 226, testAnomalies: 27 }, trainSeconds: 5, methods: { ALAD: figures(f1), PCA: figures(0.5) } }],
  });

  it('gives mean ± population std over the seeds per protocol and method', () => {
    const table = summarise([run(0, 0.2), run(1, 0.4), run(2, 0.9)]);
    // F1 0.2, 0.4, 0.9: mean 0.5, population std sqrt((0.09 + 0.01 + 0.16) / 3) = 0.2944.
    assert.match(table, /\| paper protocol \(threshold from test scores: 85th percentile\); 274 inputs, train 187, test 226 \(27 label 1\) \| ALAD \| 0\.500 ± 0\.000 \| 0\.500 ± 0\.294 \| 0\.500 ± 0\.294 \| 0\.750 ± 0\.000 \| 0\.250 ± 0\.000 \|/);
    assert.match(table, /\n\|  \| PCA \| 0\.500 ± 0\.000 \| 0\.500 ± 0\.000 /);
    assert.match(table, /seeds 0, 1, 2; wall time per seed \(both protocols\) 11 s mean, 12 s max/);
    assert.ok(!table.includes('honest'), 'no honest rows without honest results');
  });

  it('refuses files that do not average: another preset or epochs, a protocol missing, other rows', () => {
    assert.throws(() => summarise([run(0, 0.2), run(1, 0.4, { epochs: 3 })]), /seed 1 is arrhythmia\/3 epochs\/fm/);
    assert.throws(() => summarise([run(0, 0.2), { ...run(1, 0.4), results: [] }]), /paper protocol missing from 1 of the files/);
    const other = run(1, 0.4);
    other.results[0].rows = { ...other.results[0].rows, test: 225 };
    assert.throws(() => summarise([run(0, 0.2), other]), /on different rows/);
    assert.throws(() => summarise([]), /at least one/);
  });
});
