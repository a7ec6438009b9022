// gaussianNll: 0.5 (logvar + (x - mu)^2 e^-logvar + ln 2 pi), reduced by mean and sum, against PyTorch
// fixtures (loss_gaussian_nll_<reduction>, tools/fixtures/losses.py), an f64 gradcheck.
import { gaussianNll } from '../../lib/ops/losses';
import { lossCases } from './op_checks';

describe('gaussianNll', () => {
  lossCases('gaussian_nll', ['x', 'mu', 'logvar'], ([x, m, l], reduction) => gaussianNll(x, m, l, { reduction }));});
