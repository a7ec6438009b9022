#include "core/check.h"

#include <cstdio>
#include <cstring>

namespace vigil {

namespace {
thread_local std::string g_last_error;
}

void set_last_error(std::string msg) { g_last_error = std::move(msg); }

std::string shape_str(const vigil_tensor* t) {
  if (!t) return "null";
  std::string s = "[";
  for (int i = 0; i < t->ndim; ++i) {
    if (i) s += ",";
    s += std::to_string(t->shape[i]);
  }
  return s + "]";
}

std::string shapes_str(std::initializer_list<Named> ts) {
  std::string s;
  for (const Named& n : ts) {
    if (!s.empty()) s += ", ";
    s += n.name;
    s += " ";
    s += shape_str(n.t);
  }
  return s;
}

vigil_status fail(vigil_status s, const char* op, const std::string& msg,
                  std::initializer_list<Named> ts) {
  std::string m = std::string(op) + ": " + msg;
  if (ts.size()) m += " (" + shapes_str(ts) + ")";
  set_last_error(std::move(m));
  return s;
}

vigil_status check_same(const char* op, std::initializer_list<Named> ts) {
  const vigil_tensor* first = nullptr;
  for (const Named& n : ts) {
    if (!n.t) continue;
    if (n.t->ndim < 0 || n.t->ndim > VIGIL_MAX_DIMS)
      return fail(VIGIL_ERR_SHAPE, op, std::string("bad rank of ") + n.name);
    if (n.t->dtype != VIGIL_F32 && n.t->dtype != VIGIL_F64)
      return fail(VIGIL_ERR_DTYPE, op, std::string("unknown dtype of ") + n.name);
    if (!n.t->data && vigil_numel(n.t) > 0)
      return fail(VIGIL_ERR_ARG, op, std::string(n.name) + " has no storage (disposed?)");
    if (!first) {
      first = n.t;
      continue;
    }
    if (n.t->dtype != first->dtype)
      return fail(VIGIL_ERR_DTYPE, op, "mixed dtypes (f32 and f64)", ts);
    if (n.t->device != first->device)
      return fail(VIGIL_ERR_DEVICE, op, "tensors on different devices", ts);
  }
  return VIGIL_OK;
}

bool has_shape(const vigil_tensor* t, std::initializer_list<int64_t> dims) {
  if (!t || t->ndim != static_cast<int32_t>(dims.size())) return false;
  int i = 0;
  for (int64_t d : dims) {
    if (d >= 0 && t->shape[i] != d) return false;
    ++i;
  }
  return true;
}

bool same_shape(const vigil_tensor* a, const vigil_tensor* b) {
  if (!a || !b || a->ndim != b->ndim) return false;
  for (int i = 0; i < a->ndim; ++i)
    if (a->shape[i] != b->shape[i]) return false;
  return true;
}

vigil_status require_cpu(const char* op, std::initializer_list<Named> ts) {
  for (const Named& n : ts)
    if (n.t && n.t->device != VIGIL_CPU)
      return fail(VIGIL_ERR_UNSUPPORTED, op, "no CUDA kernel for this op yet", ts);
  return VIGIL_OK;
}

}  // namespace vigil

extern "C" const char* vigil_last_error(void) { return vigil::g_last_error.c_str(); }

extern "C" const char* vigil_status_name(vigil_status s) {
  switch (s) {
    case VIGIL_OK: return "ok";
    case VIGIL_ERR_SHAPE: return "shape error";
    case VIGIL_ERR_DTYPE: return "dtype error";
    case VIGIL_ERR_DEVICE: return "device error";
    case VIGIL_ERR_OOM: return "out of memory";
    case VIGIL_ERR_ARG: return "bad argument";
    case VIGIL_ERR_UNSUPPORTED: return "unsupported";
    case VIGIL_ERR_CUDA: return "CUDA error";
    case VIGIL_ERR_INTERNAL: return "internal error";
  }
  return "unknown error";
}
