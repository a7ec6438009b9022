// bceWithLogits: max(l,0) - l t + ln(1 + e^-|l|), reduced by mean and sum, against PyTorch
// fixtures (loss_bce_with_logits_<reduction>, tools/fixtures/losses.py), an f64 gradcheck.
import { bceWithLogits } from '../../lib/ops/losses';
import { lossCases } from './op_checks';

describe('bceWithLogits', () => {
  lossCases('bce_with_logits', ['logits', 'target'], ([l, t], reduction) => bceWithLogits(l, t, { reduction }));});
