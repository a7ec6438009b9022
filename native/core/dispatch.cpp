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
struct Op {
  const char* name;
  bool cuda;  // builds with CUDA have a kernel
};
const Op kOps[] = {
#define VIGIL_OP(name, js, entry, cuda) {#name, cuda != 0},
#include "vigil/ops.def"
#undef VIGIL_OP
};

// The row of ops.def for `op`, or null; "matmul_forward" and "matmul_backward" name "matmul".
const Op* find(const char* op) {
  std::string name(op);
  for (const char* suffix : {"_forward", "_backward"}) {
    const size_t n = std::strlen(suffix);
    if (name.size() > n && name.compare(name.size() - n, n, suffix) == 0) name.resize(name.size() - n);
  }
  for (const Op& k : kOps)
    if (name == k.name) return &k;
  return nullptr;
}
}  // namespace

extern "C" int vigil_supports(const char* op, vigil_device dev) {
  const Op* row = op ? find(op) : nullptr;
  if (!row) return 0;
  if (dev == VIGIL_CPU) return 1;
  return dev == VIGIL_CUDA && VIGIL_WITH_CUDA && row->cuda ? 1 : 0;
}
