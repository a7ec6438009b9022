// vigil_supports and the errors of dispatch.h.
#include "core/dispatch.h"

#include <cstring>
#include <string>

namespace vigil {

vigil_status no_kernel(const char* op, vigil_device dev) {
  if (dev != VIGIL_CUDA)
    return fail(VIGIL_ERR_DEVICE, op, "unknown device code " + std::to_string(static_cast<int>(dev)));
  if (!VIGIL_WITH_CUDA)
    return fail(VIGIL_ERR_DEVICE, op,
                "this build of Vigil has no CUDA support (rebuild with VIGIL_CUDA=ON where nvcc "
                "exists; see `vigil info`)");
  return fail(VIGIL_ERR_UNSUPPORTED, op, "no CUDA kernel for this op");
}

}  // namespace vigil

namespace {
// Every op family of ops.h. All have CUDA kernels in builds with CUDA.
const char* const kOps[] = {
    "fill",       "copy",         "cast",      "random_fill",   "matmul",     "linear",
    "binary",     "unary",        "reduce",    "softmax",       "permute",    "axis_copy",
    "repeat",     "lstm",         "causal_conv1d", "batch_norm", "dropout",   "reparam_sample",
    "mse",        "gaussian_nll", "kl_normal", "bce_with_logits", "adam_step", "sgd_step",
    "sum_squares", "scale_inplace"};

// "matmul_forward" and "matmul_backward" name the family "matmul".
bool known(const char* op) {
  std::string name(op);
  for (const char* suffix : {"_forward", "_backward"}) {
    const size_t n = std::strlen(suffix);
    if (name.size() > n && name.compare(name.size() - n, n, suffix) == 0) name.resize(name.size() - n);
  }
  for (const char* k : kOps)
    if (name == k) return true;
  return false;
}
}  // namespace

extern "C" int vigil_supports(const char* op, vigil_device dev) {
  if (!op || !known(op)) return 0;
  if (dev == VIGIL_CPU) return 1;
  return dev == VIGIL_CUDA && VIGIL_WITH_CUDA ? 1 : 0;
}
