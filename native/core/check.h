// Argument checking shared by every op entry point: error messages that name the op and the
// shapes, dtype dispatch, and the guard that turns C++ exceptions into status codes.
#pragma once
#include <initializer_list>
#include <new>
#include <stdexcept>
#include <string>
#include <utility>

#include "vigil/ops.h"

namespace vigil {

struct Named {  // a tensor with the name the op's documentation gives it
  const char* name;
  const vigil_tensor* t;
};

std::string shape_str(const vigil_tensor* t);  // "[2,3,4]", "null"
std::string shapes_str(std::initializer_list<Named> ts);  // "x [2,3], w [4,3]"

// Records "<op>: <msg> (<shapes>)" as the thread's last error and returns s.
vigil_status fail(vigil_status s, const char* op, const std::string& msg,
                  std::initializer_list<Named> ts = {});

// The non-null tensors share one dtype and one device, and their data is non-null.
vigil_status check_same(const char* op, std::initializer_list<Named> ts);
// t has exactly these dims (-1 matches anything).
bool has_shape(const vigil_tensor* t, std::initializer_list<int64_t> dims);
bool same_shape(const vigil_tensor* a, const vigil_tensor* b);
// Reject devices the CPU kernels cannot read. CUDA dispatch goes through dispatch.cpp.
vigil_status require_cpu(const char* op, std::initializer_list<Named> ts);

inline int64_t numel(const vigil_tensor* t) { return t ? vigil_numel(t) : 0; }
template <typename T>
inline T* data(const vigil_tensor* t) { return t ? static_cast<T*>(t->data) : nullptr; }

// Runs f() -> vigil_status, mapping std::bad_alloc to VIGIL_ERR_OOM and any other exception to
// VIGIL_ERR_INTERNAL with its message: nothing may unwind through the C ABI.
template <typename F>
vigil_status guarded(const char* op, F&& f) {
  try {
    return f();
  } catch (const std::bad_alloc&) {
    return fail(VIGIL_ERR_OOM, op, "out of memory");
  } catch (const std::exception& e) {
    return fail(VIGIL_ERR_INTERNAL, op, e.what());
  }
}

}  // namespace vigil

// Runs the body with T bound to float or double by the dtype.
#define VIGIL_FLOAT_SWITCH(dtype, T, ...)        \
  switch (dtype) {                               \
    case VIGIL_F32: {                            \
      using T = float;                           \
      __VA_ARGS__;                               \
      break;                                     \
    }                                            \
    case VIGIL_F64: {                            \
      using T = double;                          \
      __VA_ARGS__;                               \
      break;                                     \
    }                                            \
  }

#define VIGIL_CHECK(expr)                  \
  do {                                     \
    vigil_status _s = (expr);              \
    if (_s != VIGIL_OK) return _s;         \
  } while (0)
