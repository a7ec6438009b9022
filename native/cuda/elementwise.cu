// Element-wise ops on the device. Binary ops walk the coalesced broadcast nest of
// cpu/strided.h (operand 0 = y and anything laid out like y, 1 = a, 2 = b). A broadcast input's
// gradient is never scattered with atomics: the per-element terms go to a scratch buffer of y's
// shape and are summed by sum_to, one owner per output element (deterministic), as on the CPU.
// The math is that of cpu/elementwise.cpp, written again with device math (the CPU functors
// use std:: calls and AVX paths the device cannot share).
#include <type_traits>

#include "cuda/common.cuh"
#include "cuda/elementwise.h"
#include "cuda/reduce.h"

namespace vigil::cuda {
namespace {

// ---------------------------------------------------------------- binary ops: f, df/da, df/db
struct Add {
  static constexpr bool kLinear = true;
  template <typename T> __device__ static T f(T a, T b) { return a + b; }
  template <typename T> __device__ static T ga(T, T) { return T(1); }
  template <typename T> __device__ static T gb(T, T) { return T(1); }
};
struct Sub {
  static constexpr bool kLinear = true;
  template <typename T> __device__ static T f(T a, T b) { return a - b; }
  template <typename T> __device__ static T ga(T, T) { return T(1); }
  template <typename T> __device__ static T gb(T, T) { return T(-1); }
};
struct Mul {
  static constexpr bool kLinear = false;
  template <typename T> __device__ static T f(T a, T b) { return a * b; }
  template <typename T> __device__ static T ga(T, T b) { return b; }
  template <typename T> __device__ static T gb(T a, T) { return a; }
};
struct Div {
  static constexpr bool kLinear = false;
  template <typename T> __device__ static T f(T a, T b) { return a / b; }
  template <typename T> __device__ static T ga(T, T b) { return T(1) / b; }
  template <typename T> __device__ static T gb(T a, T b) { return -a / (b * b); }
};
// da = b a^(b-1) (0 when b = 0), db = a^b ln a (0 when a = 0 and b >= 0), as PyTorch
struct Pow {
  static constexpr bool kLinear = false;
  template <typename T> __device__ static T f(T a, T b) { return pow(a, b); }
  template <typename T> __device__ static T ga(T a, T b) { return b == T(0) ? T(0) : b * pow(a, b - T(1)); }
  template <typename T> __device__ static T gb(T a, T b) {
    return a == T(0) && b >= T(0) ? T(0) : pow(a, b) * log(a);
  }
};

// operand 0 walks y, 1 walks a, 2 walks b
cpu::Nest<3> binary_nest(const cpu::Shape& as, const cpu::Shape& bs, const cpu::Shape& ys) {
  int64_t yst[kMaxRank], ast[kMaxRank], bst[kMaxRank];
  ys.broadcast_strides(ys, yst);
  as.broadcast_strides(ys, ast);
  bs.broadcast_strides(ys, bst);
  cpu::Nest<3> nest;
  for (int k = 0; k < ys.ndim; ++k) nest.push(ys.d[k], {yst[k], ast[k], bst[k]});
  nest.coalesce();
  return nest;
}

template <class Op, typename T>
vigil_status binary_forward_op(const T* a, const T* b, T* y, const cpu::Nest<3>& nest) {
  return for_each_offset(nest, "binary_forward", [=] __device__(int64_t, const int64_t* off) {
    y[off[0]] = Op::f(a[off[1]], b[off[2]]);
  });
}

// out (+)= dy * (d(a op b)/da or /db) over y's elements, out laid out like y
template <class Op, bool kSideA, typename T>
vigil_status binary_partial(const T* a, const T* b, const T* dy, T* out, bool acc,
                            const cpu::Nest<3>& nest) {
  return for_each_offset(nest, "binary_backward", [=] __device__(int64_t, const int64_t* off) {
    const T x = a[off[1]], z = b[off[2]];
    const T g = dy[off[0]] * (kSideA ? Op::ga(x, z) : Op::gb(x, z));
    out[off[0]] = acc ? out[off[0]] + g : g;
  });
}

template <class Op, bool kSideA, typename T>
vigil_status binary_side(const T* a, const T* b, const T* dy, const cpu::Shape& ys, T* g,
                         const cpu::Shape& gs, const cpu::Nest<3>& nest) {
  if (!g) return VIGIL_OK;
  if (gs.numel() == ys.numel()) return binary_partial<Op, kSideA>(a, b, dy, g, true, nest);
  if (Op::kLinear)  // constant partial: a scaled sum of dy
    return sum_to(dy, ys, g, gs, kSideA ? 1.0 : (std::is_same_v<Op, Sub> ? -1.0 : 1.0), true);
  Scratch<T> scratch;
  VIGIL_CHECK(scratch.alloc(ys.numel()));
  VIGIL_CHECK((binary_partial<Op, kSideA>(a, b, dy, scratch.p, false, nest)));
  return sum_to(static_cast<const T*>(scratch.p), ys, g, gs, 1.0, true);
}

template <class Op, typename T>
vigil_status binary_backward_op(const T* a, const cpu::Shape& as, const T* b,
                                const cpu::Shape& bs, const T* dy, const cpu::Shape& ys, T* da,
                                T* db) {
  const cpu::Nest<3> nest = binary_nest(as, bs, ys);
  VIGIL_CHECK((binary_side<Op, true>(a, b, dy, ys, da, as, nest)));
  return binary_side<Op, false>(a, b, dy, ys, db, bs, nest);
}

#define VIGIL_BINARY_SWITCH(op, CALL)              \
  switch (op) {                                    \
    case VIGIL_ADD: return CALL(Add);              \
    case VIGIL_SUB: return CALL(Sub);              \
    case VIGIL_MUL: return CALL(Mul);              \
    case VIGIL_DIV: return CALL(Div);              \
    case VIGIL_POW: return CALL(Pow);              \
  }                                                \
  return VIGIL_OK;

// ---------------------------------------------------------------- unary ops: f and f' = g(x, y)
constexpr double kSeluScale = 1.0507009873554805, kSeluAlpha = 1.6732632423543772;

struct Neg {
  template <typename T> __device__ static T f(T x, T, T) { return -x; }
  template <typename T> __device__ static T g(T, T, T, T) { return T(-1); }
};
struct Exp {
  template <typename T> __device__ static T f(T x, T, T) { return exp(x); }
  template <typename T> __device__ static T g(T, T y, T, T) { return y; }
};
struct Log {
  template <typename T> __device__ static T f(T x, T, T) { return log(x); }
  template <typename T> __device__ static T g(T x, T, T, T) { return T(1) / x; }
};
struct Sqrt {
  template <typename T> __device__ static T f(T x, T, T) { return sqrt(x); }
  template <typename T> __device__ static T g(T, T y, T, T) { return T(0.5) / y; }
};
struct Tanh {
  template <typename T> __device__ static T f(T x, T, T) { return tanh(x); }
  template <typename T> __device__ static T g(T, T y, T, T) { return T(1) - y * y; }
};
struct Sigmoid {
  template <typename T> __device__ static T f(T x, T, T) { return sigmoid(x); }
  template <typename T> __device__ static T g(T, T y, T, T) { return y * (T(1) - y); }
};
struct Relu {
  template <typename T> __device__ static T f(T x, T, T) { return x < T(0) ? T(0) : x; }
  template <typename T> __device__ static T g(T x, T, T, T) { return x > T(0) ? T(1) : T(0); }
};
struct LeakyRelu {
  template <typename T> __device__ static T f(T x, T p0, T) { return x > T(0) ? x : p0 * x; }
  template <typename T> __device__ static T g(T x, T, T p0, T) { return x > T(0) ? T(1) : p0; }
};
struct Elu {  // for x <= 0: y = p0 (e^x - 1), so y' = y + p0
  template <typename T> __device__ static T f(T x, T p0, T) { return x > T(0) ? x : p0 * expm1(x); }
  template <typename T> __device__ static T g(T x, T y, T p0, T) { return x > T(0) ? T(1) : y + p0; }
};
struct Selu {  // for x <= 0: y = s a (e^x - 1), so y' = y + s a
  template <typename T> __device__ static T f(T x, T, T) {
    return T(kSeluScale) * (x > T(0) ? x : T(kSeluAlpha) * expm1(x));
  }
  template <typename T> __device__ static T g(T x, T y, T, T) {
    return x > T(0) ? T(kSeluScale) : y + T(kSeluScale * kSeluAlpha);
  }
};
struct Softplus {  // ln(1 + e^x) = max(x, 0) + ln(1 + e^-|x|); derivative sigmoid(x)
  template <typename T> __device__ static T f(T x, T, T) {
    return (x > T(0) ? x : T(0)) + log1p(exp(-fabs(x)));
  }
  template <typename T> __device__ static T g(T x, T, T, T) { return sigmoid(x); }
};
struct Affine {
  template <typename T> __device__ static T f(T x, T p0, T p1) { return p0 * x + p1; }
  template <typename T> __device__ static T g(T, T, T p0, T) { return p0; }
};
struct Pows {
  template <typename T> __device__ static T f(T x, T p0, T) { return pow(x, p0); }
  template <typename T> __device__ static T g(T x, T, T p0, T) {
    return p0 == T(0) ? T(0) : p0 * pow(x, p0 - T(1));
  }
};
struct Abs {
  template <typename T> __device__ static T f(T x, T, T) { return fabs(x); }
  template <typename T> __device__ static T g(T x, T, T, T) {
    return x > T(0) ? T(1) : x < T(0) ? T(-1) : T(0);
  }
};
struct Square {
  template <typename T> __device__ static T f(T x, T, T) { return x * x; }
  template <typename T> __device__ static T g(T x, T, T, T) { return T(2) * x; }
};
struct HardSigmoid {  // clip(p0 x + p1, 0, 1); flat (grad 0) where clipped
  template <typename T> __device__ static T f(T x, T p0, T p1) {
    const T z = p0 * x + p1;
    return z < T(0) ? T(0) : z > T(1) ? T(1) : z;
  }
  template <typename T> __device__ static T g(T x, T, T p0, T p1) {
    const T z = p0 * x + p1;
    return z > T(0) && z < T(1) ? p0 : T(0);
  }
};

template <class Op, typename T>
vigil_status unary_forward_op(const T* x, T* y, int64_t n, T q0, T q1) {
  return for_each(n, "unary_forward", [=] __device__(int64_t i) { y[i] = Op::f(x[i], q0, q1); });
}

template <class Op, typename T>
vigil_status unary_backward_op(const T* x, const T* y, const T* dy, T* dx, int64_t n, T q0,
                               T q1) {
  return for_each(n, "unary_backward", [=] __device__(int64_t i) {
    dx[i] += dy[i] * Op::g(x[i], y[i], q0, q1);
  });
}

#define VIGIL_UNARY_SWITCH(op, CALL)               \
  switch (op) {                                    \
    case VIGIL_NEG: return CALL(Neg);              \
    case VIGIL_EXP: return CALL(Exp);              \
    case VIGIL_LOG: return CALL(Log);              \
    case VIGIL_SQRT: return CALL(Sqrt);            \
    case VIGIL_TANH: return CALL(Tanh);            \
    case VIGIL_SIGMOID: return CALL(Sigmoid);      \
    case VIGIL_RELU: return CALL(Relu);            \
    case VIGIL_LEAKY_RELU: return CALL(LeakyRelu); \
    case VIGIL_ELU: return CALL(Elu);              \
    case VIGIL_SELU: return CALL(Selu);            \
    case VIGIL_SOFTPLUS: return CALL(Softplus);    \
    case VIGIL_AFFINE: return CALL(Affine);        \
    case VIGIL_POWS: return CALL(Pows);            \
    case VIGIL_ABS: return CALL(Abs);              \
    case VIGIL_SQUARE: return CALL(Square);        \
    case VIGIL_HARD_SIGMOID: return CALL(HardSigmoid); \
  }                                                \
  return VIGIL_OK;

}  // namespace

template <typename T>
vigil_status binary_forward(vigil_binary_op op, const T* a, const cpu::Shape& as, const T* b,
                            const cpu::Shape& bs, T* y, const cpu::Shape& ys) {
  const cpu::Nest<3> nest = binary_nest(as, bs, ys);
#define CALL(Op) binary_forward_op<Op, T>(a, b, y, nest)
  VIGIL_BINARY_SWITCH(op, CALL)
#undef CALL
}

template <typename T>
vigil_status binary_backward(vigil_binary_op op, const T* a, const cpu::Shape& as, const T* b,
                             const cpu::Shape& bs, const T* dy, const cpu::Shape& ys, T* da,
                             T* db) {
#define CALL(Op) binary_backward_op<Op, T>(a, as, b, bs, dy, ys, da, db)
  VIGIL_BINARY_SWITCH(op, CALL)
#undef CALL
}

template <typename T>
vigil_status unary_forward(vigil_unary_op op, const T* x, T* y, int64_t n, double p0, double p1) {
  const T q0 = static_cast<T>(p0), q1 = static_cast<T>(p1);
#define CALL(Op) unary_forward_op<Op, T>(x, y, n, q0, q1)
  VIGIL_UNARY_SWITCH(op, CALL)
#undef CALL
}

template <typename T>
vigil_status unary_backward(vigil_unary_op op, const T* x, const T* y, const T* dy, T* dx,
                            int64_t n, double p0, double p1) {
  const T q0 = static_cast<T>(p0), q1 = static_cast<T>(p1);
#define CALL(Op) unary_backward_op<Op, T>(x, y, dy, dx, n, q0, q1)
  VIGIL_UNARY_SWITCH(op, CALL)
#undef CALL
}

#define VIGIL_INSTANTIATE(T)                                                                     \
  template vigil_status binary_forward<T>(vigil_binary_op, const T*, const cpu::Shape&,         \
                                          const T*, const cpu::Shape&, T*, const cpu::Shape&);  \
  template vigil_status binary_backward<T>(vigil_binary_op, const T*, const cpu::Shape&,        \
                                           const T*, const cpu::Shape&, const T*,               \
                                           const cpu::Shape&, T*, T*);                          \
  template vigil_status unary_forward<T>(vigil_unary_op, const T*, T*, int64_t, double, double); \
  template vigil_status unary_backward<T>(vigil_unary_op, const T*, const T*, const T*, T*,     \
                                          int64_t, double, double);
VIGIL_INSTANTIATE(float)
VIGIL_INSTANTIATE(double)
#undef VIGIL_INSTANTIATE

}  // namespace vigil::cuda
