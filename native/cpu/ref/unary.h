// Reference unary ops of ops.h, one element in double (p0, p1 the op's parameters):
//   NEG -x | EXP | LOG | SQRT | TANH | SIGMOID 1/(1+e^-x) | RELU max(x,0) | LEAKY_RELU x>0 ? x :
//   p0 x | ELU x>0 ? x : p0 (e^x-1) | SELU 1.0507... (x>0 ? x : 1.6732... (e^x-1)) | SOFTPLUS
//   ln(1+e^x) (textbook form, for moderate x) | AFFINE p0 x + p1 | POWS x^p0 | ABS | SQUARE |
//   HARD_SIGMOID clip(p0 x + p1, 0, 1)
#pragma once
#include <cmath>

#include "vigil/ops.h"

namespace vigil::ref {

inline double unary(vigil_unary_op op, double x, double p0, double p1) {
  const double s = 1.0507009873554805, al = 1.6732632423543772;
  switch (op) {
    case VIGIL_NEG: return -x;
    case VIGIL_EXP: return std::exp(x);
    case VIGIL_LOG: return std::log(x);
    case VIGIL_SQRT: return std::sqrt(x);
    case VIGIL_TANH: return std::tanh(x);
    case VIGIL_SIGMOID: return 1 / (1 + std::exp(-x));
    case VIGIL_RELU: return x > 0 ? x : 0;
    case VIGIL_LEAKY_RELU: return x > 0 ? x : p0 * x;
    case VIGIL_ELU: return x > 0 ? x : p0 * (std::exp(x) - 1);
    case VIGIL_SELU: return s * (x > 0 ? x : al * (std::exp(x) - 1));
    case VIGIL_SOFTPLUS: return std::log(1 + std::exp(x));
    case VIGIL_AFFINE: return p0 * x + p1;
    case VIGIL_POWS: return std::pow(x, p0);
    case VIGIL_ABS: return std::fabs(x);
    case VIGIL_SQUARE: return x * x;
    case VIGIL_HARD_SIGMOID: return std::fmin(1.0, std::fmax(0.0, p0 * x + p1));
  }
  return NAN;
}

}  // namespace vigil::ref
