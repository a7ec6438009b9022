import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { parseInterpretationLabels } from '../../lib/data/interpretation';
import { hitRate, roundHalfEven, topChannels } from '../../lib/eval/attribution';

const close = (a: number, b: number, tol: number, what: string): void =>
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b} (tol ${tol})`);

const SMD = join(__dirname, '..', '..', '..', 'shared', 'data', 'smd');

describe('detect: attribution', () => {
  it('parses SMD interpretation labels: 0-based [start, end), 1-based channels -> 0-based', () => {
    const segs = parseInterpretationLabels('246-252:1,2,3\n\n653-658:6\r\n');
    assert.deepEqual(segs, [{ start: 246, end: 252, channels: [0, 1, 2] }, { start: 653, end: 658, channels: [5] }]);
    assert.throws(() => parseInterpretationLabels('1-5:1\n5-9;2', 'm.txt'), /m\.txt: line 2: expected "start-end:c1,c2,..."/);
    assert.throws(() => parseInterpretationLabels('1-5:0'), /line 1: channel numbers are 1-based, got 0/);
    assert.throws(() => parseInterpretationLabels('5-5:1'), /end 5 is not after start 5/);
  });

  it('top channels per step, ties to the lower channel', () => {
    // step 0 errors 0.1 0.5 0.3 -> 1, 2 ; step 1 errors 0.2 0.2 0.9 -> 2, 0 (tie 0/1 -> 0)
    const top = topChannels([0.1, 0.5, 0.3, 0.2, 0.2, 0.9], 2, 3, 2);
    assert.deepEqual([...top], [1, 2, 2, 0]);
    assert.deepEqual([...topChannels([0.1, 0.5, 0.3], 1, 3, 9)], [1, 2, 0], 'k above the channel count');
    assert.throws(() => topChannels([1, 2, 3], 2, 3, 1), /errors hold 3 values, expected rows 2 \* channels 3/);
  });

  it('rounds like Python (halves to even)', () => {
    assert.deepEqual([0.5, 1.5, 2.5, 4.5, 7.5, 2.4, 2.6, 3].map(roundHalfEven), [0, 2, 2, 4, 8, 2, 3, 3]);
  });

  it('HitRate@100% and @150% by hand', () => {
    // 4 channels, steps 0..3. Segment [1,3) names channels {0,2}; segment [3,4) names {1}.
    // step 1 errors 0.9 0.1 0.5 0.2 -> ranking 0,2,3,1. |G| = 2: @100 top 2 {0,2} -> 2/2 = 1;
    //        @150 top round(3) = 3 {0,2,3} -> 1.
    // step 2 errors 0.1 0.9 0.2 0.8 -> ranking 1,3,2,0: @100 {1,3} -> 0; @150 {1,3,2} -> 1/2.
    // step 3 errors 0.1 0.3 0.2 0.4 -> ranking 3,1,2,0. |G| = 1: @100 top 1 {3} -> 0;
    //        @150 top round(1.5) = 2 {3,1} -> 1.
    // Step 0 has no labelled channels and is not averaged.
    // HitRate@100 = (1 + 0 + 0)/3 = 1/3; HitRate@150 = (1 + 1/2 + 1)/3 = 5/6.
    const errors = [
      9, 9, 9, 9,
      0.9, 0.1, 0.5, 0.2,
      0.1, 0.9, 0.2, 0.8,
      0.1, 0.3, 0.2, 0.4,
    ];
    const h = hitRate(errors, 4, [{ start: 1, end: 3, channels: [0, 2] }, { start: 3, end: 4, channels: [1] }]);
    assert.equal(h.steps, 3);
    close(h.hitRate['100'], 1 / 3, 1e-15, '@100');
    close(h.hitRate['150'], 5 / 6, 1e-15, '@150');
    // Overlapping segments at a step: their channel sets are united (G = {0,1,2} at step 3 ->
    // @100 top 3 {3,1,2} -> 2/3).
    const u = hitRate(errors, 4, [{ start: 3, end: 4, channels: [0, 2] }, { start: 3, end: 4, channels: [1] }], [100]);
    close(u.hitRate['100'], 2 / 3, 1e-15, 'union');
    // Python rounding matters: |G| = 3 at 150 % -> round(4.5) = 4 channels, not 5. Errors of
    // 5 channels 0.7 0.6 0.1 0.9 0.8 rank 3,4,0,1,2; G = {0,1,2}: top 4 {3,4,0,1} -> 2/3.
    close(hitRate([0.7, 0.6, 0.1, 0.9, 0.8], 5, [{ start: 0, end: 1, channels: [0, 1, 2] }], [150]).hitRate['150'], 2 / 3, 1e-15, 'half to even');
    assert.throws(() => hitRate(errors, 4, [{ start: 2, end: 9, channels: [0] }]), /outside the 4 scored steps/);
    assert.throws(() => hitRate(errors, 4, [{ start: 1, end: 2, channels: [4] }]), /channel 4 .* is not in 0\.\.3/);
    assert.ok(Number.isNaN(hitRate(errors, 4, []).hitRate['100']), 'no labelled step -> NaN');
  });

  it('SMD interpretation labels agree with test_label rows (real data)', function () {
    if (!existsSync(SMD)) {
      console.log(`      (skipped: ${SMD} is absent)`);
      this.skip();
    }
    for (const m of ['machine-1-6', 'machine-2-1', 'machine-3-4']) {
      const segs = parseInterpretationLabels(readFileSync(join(SMD, 'interpretation_label', `${m}.txt`), 'utf8'), m);
      const labels = readFileSync(join(SMD, 'test_label', `${m}.txt`), 'utf8').trim().split(/\r?\n/).map(Number);
      assert.ok(segs.length > 0);
      for (const { start, end, channels } of segs) {
        for (let t = start; t < end; t++) assert.equal(labels[t], 1, `${m}: step ${t} of [${start}, ${end}) is labelled`);
        assert.ok(channels.every((c) => c >= 0 && c < 38), `${m}: channels within 0..37`);
      }
    }
  });
});
