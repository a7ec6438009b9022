// Entry-point check shared by the element-wise ops of the random, loss and optimiser families.
#pragma once
#include <initializer_list>

#include "core/check.h"

namespace vigil {

// VIGIL_OK when every non-null tensor of ts has the shape of the first one; else a shape error
// naming the op and every shape.
inline vigil_status require_same_shapes(const char* op, std::initializer_list<Named> ts,
                                        const char* what = "tensors must have the same shape") {
  const vigil_tensor* first = nullptr;
  for (const Named& n : ts) {
    if (!n.t) continue;
    if (!first) first = n.t;
    else if (!same_shape(first, n.t)) return fail(VIGIL_ERR_SHAPE, op, what, ts);
  }
  return VIGIL_OK;
}

// check_same + require_same_shapes: the usual prologue of an element-wise op.
inline vigil_status check_elementwise(const char* op, std::initializer_list<Named> ts) {
  VIGIL_CHECK(check_same(op, ts));
  return require_same_shapes(op, ts);
}

}  // namespace vigil
