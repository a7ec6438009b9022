// Element-wise kernels. Binary ops walk a coalesced broadcast nest (strided.h), so equal shapes
// become one flat run, and a scalar or trailing-dim vector operand becomes unit/zero-stride
// inner loops the compiler vectorises. A broadcast input's gradient is never scattered with
// +=: the per-element terms go to a scratch buffer of y's shape and are then summed by
// sum_to, where every output element belongs to one task (no races, thread-count independent).
#include "cpu/elementwise.h"

#include <algorithm>
#include <cmath>
#include <type_traits>
#include <vector>

#include "core/parallel.h"
#include "cpu/reduce.h"
#include "cpu/vec_act.h"

namespace vigil::cpu {
namespace {

// ---------------------------------------------------------------- binary ops
// f(a, b) with partials ga = df/da, gb = df/db. kLinear: the partials are constants, so a
// broadcast gradient is a scaled sum of dy and needs no scratch buffer.
struct Add {
  static constexpr bool kLinear = true;
  template <typename T> static T f(T a, T b) { return a + b; }
  template <typename T> static T ga(T, T) { return T(1); }
  template <typename T> static T gb(T, T) { return T(1); }
};
struct Sub {
  static constexpr bool kLinear = true;
  template <typename T> static T f(T a, T b) { return a - b; }
  template <typename T> static T ga(T, T) { return T(1); }
  template <typename T> static T gb(T, T) { return T(-1); }
};
struct Mul {
  static constexpr bool kLinear = false;
  template <typename T> static T f(T a, T b) { return a * b; }
  template <typename T> static T ga(T, T b) { return b; }
  template <typename T> static T gb(T a, T) { return a; }
};
struct Div {
  static constexpr bool kLinear = false;
  template <typename T> static T f(T a, T b) { return a / b; }
  template <typename T> static T ga(T, T b) { return T(1) / b; }
  template <typename T> static T gb(T a, T b) { return -a / (b * b); }
};
// a^b: da = b a^(b-1) (0 when b = 0), db = a^b ln a (0 when a = 0 and b >= 0), as PyTorch
struct Pow {
  static constexpr bool kLinear = false;
  template <typename T> static T f(T a, T b) { return std::pow(a, b); }
  template <typename T> static T ga(T a, T b) { return b == 0 ? T(0) : b * std::pow(a, b - 1); }
  template <typename T> static T gb(T a, T b) {
    return a == 0 && b >= 0 ? T(0) : std::pow(a, b) * std::log(a);
  }
};

template <class F>
void with_binary(vigil_binary_op op, const F& f) {
  switch (op) {
    case VIGIL_ADD: return f(Add{});
    case VIGIL_SUB: return f(Sub{});
    case VIGIL_MUL: return f(Mul{});
    case VIGIL_DIV: return f(Div{});
    case VIGIL_POW: return f(Pow{});
  }
}

// operand 0 walks y (and dy, and any gradient laid out like y), 1 walks a, 2 walks b
Nest<3> binary_nest(const Shape& as, const Shape& bs, const Shape& ys) {
  int64_t yst[kMaxRank], ast[kMaxRank], bst[kMaxRank];
  ys.broadcast_strides(ys, yst);
  as.broadcast_strides(ys, ast);
  bs.broadcast_strides(ys, bst);
  Nest<3> nest;
  for (int k = 0; k < ys.ndim; ++k) nest.push(ys.d[k], {yst[k], ast[k], bst[k]});
  nest.coalesce();
  return nest;
}

// out[i] (+)= dy[i] * h(a[ia], b[ib]) over y's elements (out laid out like y); with dy null,
// out[i] = h(a, b) (the forward)
template <typename T, class H>
void map_binary(const Nest<3>& nest, const T* a, const T* b, const T* dy, T* out, bool acc,
                const H& h) {
  const int64_t sa = nest.inner_stride(1), sb = nest.inner_stride(2);
  for_each_run(nest, kGrain, [&](const int64_t* off, int64_t n) {
    T* o = out + off[0];
    const T* ar = a + off[1];
    const T* br = b + off[2];
    if (!dy) {
      run2(n, sa, sb, [&](int64_t i, int64_t ia, int64_t ib) { o[i] = h(ar[ia], br[ib]); });
      return;
    }
    const T* g = dy + off[0];
    if (acc)
      run2(n, sa, sb, [&](int64_t i, int64_t ia, int64_t ib) { o[i] += g[i] * h(ar[ia], br[ib]); });
    else
      run2(n, sa, sb, [&](int64_t i, int64_t ia, int64_t ib) { o[i] = g[i] * h(ar[ia], br[ib]); });
  });
}

template <class Op, typename T>
void binary_backward_op(const T* a, const Shape& as, const T* b, const Shape& bs, const T* dy,
                        const Shape& ys, T* da, T* db) {
  const Nest<3> nest = binary_nest(as, bs, ys);
  std::vector<T> scratch;
  auto side = [&](T* g, const Shape& gs, const auto& partial) {
    if (!g) return;
    if (gs.numel() == ys.numel()) {  // not stretched: g is laid out like y
      map_binary(nest, a, b, dy, g, true, partial);
    } else if (Op::kLinear) {
      sum_to(dy, ys, g, gs, static_cast<double>(partial(T(1), T(1))), true);
    } else {
      scratch.resize(static_cast<size_t>(ys.numel()));
      map_binary(nest, a, b, dy, scratch.data(), false, partial);
      sum_to(scratch.data(), ys, g, gs, 1.0, true);
    }
  };
  side(da, as, [](T x, T y) { return Op::ga(x, y); });
  side(db, bs, [](T x, T y) { return Op::gb(x, y); });
}

// ---------------------------------------------------------------- unary ops
// f(x; p0, p1) and g(x, y; p0, p1) = f'(x), y = f(x)
template <typename T>
T sigmoid(T x) {  // never exponentiates a positive number
  if (x >= 0) return T(1) / (T(1) + std::exp(-x));
  const T e = std::exp(x);
  return e / (T(1) + e);
}
constexpr double kSeluScale = 1.0507009873554805, kSeluAlpha = 1.6732632423543772;

struct Neg {
  template <typename T> static T f(T x, T, T) { return -x; }
  template <typename T> static T g(T, T, T, T) { return T(-1); }
};
struct Exp {
  template <typename T> static T f(T x, T, T) { return std::exp(x); }
  template <typename T> static T g(T, T y, T, T) { return y; }
};
struct Log {
  template <typename T> static T f(T x, T, T) { return std::log(x); }
  template <typename T> static T g(T x, T, T, T) { return T(1) / x; }
};
struct Sqrt {
  template <typename T> static T f(T x, T, T) { return std::sqrt(x); }
  template <typename T> static T g(T, T y, T, T) { return T(0.5) / y; }
};
struct Tanh {
  template <typename T> static T f(T x, T, T) { return std::tanh(x); }
  template <typename T> static T g(T, T y, T, T) { return T(1) - y * y; }
};
struct Sigmoid {
  template <typename T> static T f(T x, T, T) { return sigmoid(x); }
  template <typename T> static T g(T, T y, T, T) { return y * (T(1) - y); }
};
struct Relu {
  template <typename T> static T f(T x, T, T) { return x < 0 ? T(0) : x; }
  template <typename T> static T g(T x, T, T, T) { return x > 0 ? T(1) : T(0); }
};
struct LeakyRelu {
  template <typename T> static T f(T x, T p0, T) { return x > 0 ? x : p0 * x; }
  template <typename T> static T g(T x, T, T p0, T) { return x > 0 ? T(1) : p0; }
};
struct Elu {  // for x <= 0: y = p0 (e^x - 1), so y' = p0 e^x = y + p0
  template <typename T> static T f(T x, T p0, T) { return x > 0 ? x : p0 * std::expm1(x); }
  template <typename T> static T g(T x, T y, T p0, T) { return x > 0 ? T(1) : y + p0; }
};
struct Selu {  // for x <= 0: y = s a (e^x - 1), so y' = y + s a
  template <typename T> static T f(T x, T, T) {
    return static_cast<T>(kSeluScale) * (x > 0 ? x : static_cast<T>(kSeluAlpha) * std::expm1(x));
  }
  template <typename T> static T g(T x, T y, T, T) {
    return x > 0 ? static_cast<T>(kSeluScale) : y + static_cast<T>(kSeluScale * kSeluAlpha);
  }
};
struct Softplus {  // ln(1 + e^x) = max(x, 0) + ln(1 + e^-|x|); derivative sigmoid(x)
  template <typename T> static T f(T x, T, T) {
    return (x > 0 ? x : T(0)) + std::log1p(std::exp(-std::fabs(x)));
  }
  template <typename T> static T g(T x, T, T, T) { return sigmoid(x); }
};
struct Affine {
  template <typename T> static T f(T x, T p0, T p1) { return p0 * x + p1; }
  template <typename T> static T g(T, T, T p0, T) { return p0; }
};
struct Pows {
  template <typename T> static T f(T x, T p0, T) { return std::pow(x, p0); }
  template <typename T> static T g(T x, T, T p0, T) { return p0 == 0 ? T(0) : p0 * std::pow(x, p0 - 1); }
};
struct Abs {
  template <typename T> static T f(T x, T, T) { return std::fabs(x); }
  template <typename T> static T g(T x, T, T, T) { return x > 0 ? T(1) : x < 0 ? T(-1) : T(0); }
};
struct Square {
  template <typename T> static T f(T x, T, T) { return x * x; }
  template <typename T> static T g(T x, T, T, T) { return T(2) * x; }
};
struct HardSigmoid {  // clip(p0 x + p1, 0, 1); flat (grad 0) where clipped
  template <typename T> static T f(T x, T p0, T p1) {
    return std::min(T(1), std::max(T(0), p0 * x + p1));
  }
  template <typename T> static T g(T x, T, T p0, T p1) {
    const T z = p0 * x + p1;
    return z > 0 && z < 1 ? p0 : T(0);
  }
};

template <class F>
void with_unary(vigil_unary_op op, const F& f) {
  switch (op) {
    case VIGIL_NEG: return f(Neg{});
    case VIGIL_EXP: return f(Exp{});
    case VIGIL_LOG: return f(Log{});
    case VIGIL_SQRT: return f(Sqrt{});
    case VIGIL_TANH: return f(Tanh{});
    case VIGIL_SIGMOID: return f(Sigmoid{});
    case VIGIL_RELU: return f(Relu{});
    case VIGIL_LEAKY_RELU: return f(LeakyRelu{});
    case VIGIL_ELU: return f(Elu{});
    case VIGIL_SELU: return f(Selu{});
    case VIGIL_SOFTPLUS: return f(Softplus{});
    case VIGIL_AFFINE: return f(Affine{});
    case VIGIL_POWS: return f(Pows{});
    case VIGIL_ABS: return f(Abs{});
    case VIGIL_SQUARE: return f(Square{});
    case VIGIL_HARD_SIGMOID: return f(HardSigmoid{});
  }
}

constexpr int64_t kUnaryGrain = 1 << 14;  // transcendental ops: smaller chunks than copies

}  // namespace

template <typename T>
void binary_forward(vigil_binary_op op, const T* a, const Shape& as, const T* b, const Shape& bs,
                    T* y, const Shape& ys) {
  with_binary(op, [&](auto o) {
    using Op = decltype(o);
    map_binary(binary_nest(as, bs, ys), a, b, static_cast<const T*>(nullptr), y, false,
               [](T x, T z) { return Op::f(x, z); });
  });
}

template <typename T>
void binary_backward(vigil_binary_op op, const T* a, const Shape& as, const T* b,
                     const Shape& bs, const T* dy, const Shape& ys, T* da, T* db) {
  with_binary(op, [&](auto o) { binary_backward_op<decltype(o)>(a, as, b, bs, dy, ys, da, db); });
}

template <typename T>
void unary_forward(vigil_unary_op op, const T* x, T* y, int64_t n, double p0, double p1) {
  if constexpr (std::is_same_v<T, float>) {  // the AVX2 paths of vec_act.h (~2 ulp)
    const float selu_scale = static_cast<float>(kSeluScale);
    switch (op) {
      case VIGIL_TANH:
      case VIGIL_SIGMOID:
      case VIGIL_ELU:
      case VIGIL_SELU:
      case VIGIL_SOFTPLUS:
        parallel_for(0, n, kUnaryGrain, [&](int64_t b, int64_t e) {
          if (op == VIGIL_TANH) return tanh_n(x + b, y + b, e - b);
          if (op == VIGIL_SIGMOID) return sigmoid_n(x + b, y + b, e - b);
          if (op == VIGIL_SOFTPLUS) return softplus_n(x + b, y + b, e - b);
          if (op == VIGIL_ELU) return elu_n(x + b, y + b, e - b, static_cast<float>(p0));
          elu_n(x + b, y + b, e - b, static_cast<float>(kSeluAlpha));  // selu = scale elu_alpha
          for (int64_t i = b; i < e; ++i) y[i] *= selu_scale;
        });
        return;
      default:
        break;
    }
  }
  const T q0 = static_cast<T>(p0), q1 = static_cast<T>(p1);
  with_unary(op, [&](auto o) {
    using Op = decltype(o);
    parallel_for(0, n, kUnaryGrain, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) y[i] = Op::f(x[i], q0, q1);
    });
  });
}

template <typename T>
void unary_backward(vigil_unary_op op, const T* x, const T* y, const T* dy, T* dx, int64_t n,
                    double p0, double p1) {
  if constexpr (std::is_same_v<T, float>) {
    if (op == VIGIL_SOFTPLUS) {  // f' = sigmoid(x) through the AVX2 sigmoid, a block at a time
      parallel_for(0, n, kUnaryGrain, [&](int64_t b, int64_t e) {
        float s[256];
        for (int64_t i = b; i < e; i += 256) {
          const int64_t m = std::min<int64_t>(256, e - i);
          sigmoid_n(x + i, s, m);
          for (int64_t j = 0; j < m; ++j) dx[i + j] += dy[i + j] * s[j];
        }
      });
      return;
    }
  }
  const T q0 = static_cast<T>(p0), q1 = static_cast<T>(p1);
  with_unary(op, [&](auto o) {
    using Op = decltype(o);
    parallel_for(0, n, kUnaryGrain, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) dx[i] += dy[i] * Op::g(x[i], y[i], q0, q1);
    });
  });
}

#define VIGIL_INSTANTIATE(T)                                                                    \
  template void binary_forward<T>(vigil_binary_op, const T*, const Shape&, const T*,           \
                                  const Shape&, T*, const Shape&);                             \
  template void binary_backward<T>(vigil_binary_op, const T*, const Shape&, const T*,          \
                                   const Shape&, const T*, const Shape&, T*, T*);              \
  template void unary_forward<T>(vigil_unary_op, const T*, T*, int64_t, double, double);       \
  template void unary_backward<T>(vigil_unary_op, const T*, const T*, const T*, T*, int64_t,   \
                                  double, double);
VIGIL_INSTANTIATE(float)
VIGIL_INSTANTIATE(double)
#undef VIGIL_INSTANTIATE

}  // namespace vigil::cpu
