// Shape expectations for op entry points whose tensors all follow from a few sizes:
// check_expected(op, "B=2 T=5", {{"y", y, {B, T, H}}, ...}, all) fails with
// "op: y must be [2,5,3] for B=2 T=5 (x [..], y [..], ...)" at the first mismatch.
#pragma once
#include <initializer_list>
#include <string>

#include "core/check.h"

namespace vigil {

struct Expect {
  const char* name;
  const vigil_tensor* t;  // null (an absent optional tensor) is skipped
  std::initializer_list<int64_t> dims;
};

inline vigil_status check_expected(const char* op, const std::string& sizes,
                                   std::initializer_list<Expect> es,
                                   std::initializer_list<Named> all) {
  for (const Expect& e : es) {
    if (!e.t || has_shape(e.t, e.dims)) continue;
    std::string want = "[";
    for (int64_t d : e.dims) want += (want.size() > 1 ? "," : "") + std::to_string(d);
    return fail(VIGIL_ERR_SHAPE, op, std::string(e.name) + " must be " + want + "] for " + sizes,
                all);
  }
  return VIGIL_OK;
}

}  // namespace vigil
