// The verdict on a matrix-model peer's equality check (tools/bench/matrix_peer.ts
// checkMatrixPeer), on made-up answers: losses are compared relative to max(1, |loss|), every
// figure must be within the tolerance, and a missing figure fails rather than passes.
import { strict as assert } from 'node:assert';

import { checkMatrixPeer } from '../../tools/bench/matrix_peer';

const agreeing = {
  check_vigil_loss: 13.75, check_loss: 13.7505, check_loss_ref: 13.75, check_score_rel: 2e-7, check_score_ref_rel: 1e-7,
  check_recon_rel: 5e-7,
};
const RECON = [{ key: 'check_recon_rel', label: 'recon max rel diff' }];

describe('bench: checkMatrixPeer', () => {
  it('passes agreeing figures (the loss relative to max(1, |loss|)) and names each in its line', () => {
    const line = checkMatrixPeer('sa-dvcrae', 'default', [agreeing], 1e-4, RECON);
    assert.match(line, /^default: engine loss 13\.75000, rel diff 3\.6e-5 \(timed peer, f32\)/);
    assert.match(line, /recon max rel diff: 5\.0e-7$/);
  });

  it('fails on a loss, a score or an extra figure beyond the tolerance, naming the suite', () => {
    for (const bad of [{ check_loss: 13.76 }, { check_loss_ref: 13.74 }, { check_score_rel: 2e-4 }, { check_score_ref_rel: 2e-4 }, { check_recon_rel: 3e-2 }])
      assert.throws(() => checkMatrixPeer('sa-dvcrae', 'default', [{ ...agreeing, ...bad }], 1e-4, RECON), /^Error: sa-dvcrae: the peer does not compute the engine's model \(tolerance 0\.0001\)/);
    assert.throws(() => checkMatrixPeer('staead', 'seed', [{ ...agreeing, check_vigil_loss: 0.08, check_loss: 0.0802, check_loss_ref: 0.08 }], 1e-4), /staead/);
  });

  it('below |loss| = 1 takes the loss difference as it is (5e-5 on a loss of 0.001 passes)', () => {
    assert.match(checkMatrixPeer('staead', 'seed', [{ ...agreeing, check_vigil_loss: 0.001, check_loss: 0.00105, check_loss_ref: 0.001 }], 1e-4), /rel diff 5\.0e-5/);
  });

  it('fails when the peer did not report a figure', () => {
    const { check_recon_rel: _dropped, ...partial } = agreeing;
    assert.throws(() => checkMatrixPeer('sa-dvcrae', 'default', [partial as Record<string, number>], 1e-4, RECON), /does not compute/);
  });
});
