// lstm, causal_conv1d, batch_norm, dropout, reparam_sample.
#include "addon/common.h"

namespace vigil::addon::op {

// lstmForward(x, wIh, wHh, bIh, bHh, h0, c0, y, hN, cN, gates, cells)
Napi::Value lstm_forward(const Napi::CallbackInfo& info) {
  Args a(info);
  RETURN_CHECKED(vigil_lstm_forward(a.tensor(0), a.tensor(1), a.tensor(2), a.opt(3), a.opt(4),
                                    a.opt(5), a.opt(6), a.tensor(7), a.tensor(8), a.tensor(9),
                                    a.opt(10), a.opt(11)));
}
// lstmBackward(x, wIh, wHh, h0, c0, y, gates, cells, dy, dhN, dcN,
//              dx, dwIh, dwHh, dbIh, dbHh, dh0, dc0)
Napi::Value lstm_backward(const Napi::CallbackInfo& info) {
  Args a(info);
  RETURN_CHECKED(vigil_lstm_backward(a.tensor(0), a.tensor(1), a.tensor(2), a.opt(3), a.opt(4),
                                     a.tensor(5), a.tensor(6), a.tensor(7), a.opt(8), a.opt(9),
                                     a.opt(10), a.opt(11), a.opt(12), a.opt(13), a.opt(14),
                                     a.opt(15), a.opt(16), a.opt(17)));
}
// causalConv1dForward(x, w, bias, dilation, y)
Napi::Value causal_conv1d_forward(const Napi::CallbackInfo& info) {
  Args a(info);
  RETURN_CHECKED(vigil_causal_conv1d_forward(a.tensor(0), a.tensor(1), a.opt(2), a.i64(3), a.tensor(4)));
}
// causalConv1dBackward(x, w, dy, dilation, dx, dw, dbias)
Napi::Value causal_conv1d_backward(const Napi::CallbackInfo& info) {
  Args a(info);
  RETURN_CHECKED(vigil_causal_conv1d_backward(a.tensor(0), a.tensor(1), a.tensor(2), a.i64(3),
                                              a.opt(4), a.opt(5), a.opt(6)));
}
// batchNormForward(x, axis, gamma, beta, runningMean, runningVar, training, momentum, eps,
//                  y, saveMean, saveInvstd)
Napi::Value batch_norm_forward(const Napi::CallbackInfo& info) {
  Args a(info);
  RETURN_CHECKED(vigil_batch_norm_forward(a.tensor(0), static_cast<int>(a.i64(1)), a.opt(2),
                                          a.opt(3), a.opt(4), a.opt(5), a.flag(6), a.num(7),
                                          a.num(8), a.tensor(9), a.opt(10), a.opt(11)));
}
// batchNormBackward(x, axis, gamma, saveMean, saveInvstd, dy, training, dx, dgamma, dbeta)
Napi::Value batch_norm_backward(const Napi::CallbackInfo& info) {
  Args a(info);
  RETURN_CHECKED(vigil_batch_norm_backward(a.tensor(0), static_cast<int>(a.i64(1)), a.opt(2),
                                           a.tensor(3), a.tensor(4), a.tensor(5), a.flag(6),
                                           a.opt(7), a.opt(8), a.opt(9)));
}
// dropoutForward(x, p, seed, offset, y, mask)
Napi::Value dropout_forward(const Napi::CallbackInfo& info) {
  Args a(info);
  RETURN_CHECKED(vigil_dropout_forward(a.tensor(0), a.num(1), a.u64(2), a.u64(3), a.tensor(4), a.tensor(5)));
}
// dropoutBackward(dy, mask, dx)
Napi::Value dropout_backward(const Napi::CallbackInfo& info) {
  Args a(info);
  RETURN_CHECKED(vigil_dropout_backward(a.tensor(0), a.tensor(1), a.tensor(2)));
}
// reparamSampleForward(mu, logvar, seed, offset, z, eps)
Napi::Value reparam_sample_forward(const Napi::CallbackInfo& info) {
  Args a(info);
  RETURN_CHECKED(vigil_reparam_sample_forward(a.tensor(0), a.tensor(1), a.u64(2), a.u64(3),
                                              a.tensor(4), a.tensor(5)));
}
// reparamSampleBackward(logvar, eps, dz, dmu, dlogvar)
Napi::Value reparam_sample_backward(const Napi::CallbackInfo& info) {
  Args a(info);
  RETURN_CHECKED(vigil_reparam_sample_backward(a.tensor(0), a.tensor(1), a.tensor(2), a.opt(3), a.opt(4)));
}

}  // namespace vigil::addon::op
