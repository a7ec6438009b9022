// InferencePlan: the JS handle of a vigil_inference_plan (vigil/inference_plan.h).
//   new InferencePlan(inputs, window); addLstm(wIh, wHh, bIh, bHh, lastOnly);
//   addBatchNorm(mean, var, gamma, beta, eps); addLinear(w, bias); addRepeat();
//   outputSize(errors); run(x: Float32Array, batch, errors, out: Float32Array);
//   runSeries(rows: Float32Array, batch, errors, out: Float32Array); free().
// free() releases the packed weights at once; the GC finaliser is the backstop.
#include "addon/common.h"
#include "vigil/inference_plan.h"

namespace vigil::addon {
namespace {

float* float_array(const Napi::Value& v, const char* name, int64_t* len) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    throw Napi::TypeError::New(v.Env(), std::string("InferencePlan: ") + name + " must be a Float32Array");
  Napi::Float32Array a = v.As<Napi::Float32Array>();
  *len = static_cast<int64_t>(a.ElementLength());
  return a.Data();
}

class Plan : public Napi::ObjectWrap<Plan> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "InferencePlan",
                       {InstanceMethod("addLstm", &Plan::AddLstm),
                        InstanceMethod("addBatchNorm", &Plan::AddBatchNorm),
                        InstanceMethod("addLinear", &Plan::AddLinear),
                        InstanceMethod("addRepeat", &Plan::AddRepeat),
                        InstanceMethod("outputSize", &Plan::OutputSize),
                        InstanceMethod("run", &Plan::Run),
                        InstanceMethod("runSeries", &Plan::RunSeries),
                        InstanceMethod("free", &Plan::Free)});
  }

  explicit Plan(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Plan>(info) {
    Args a(info);
    check(info.Env(), vigil_inference_plan_create(a.i64(0), a.i64(1), &plan_));
  }
  ~Plan() override { vigil_inference_plan_free(plan_); }

 private:
  vigil_inference_plan* live(Napi::Env env) const {
    if (!plan_) throw Napi::Error::New(env, "InferencePlan: used after free()");
    return plan_;
  }
  Napi::Value AddLstm(const Napi::CallbackInfo& info) {
    Args a(info);
    check(a.env(), vigil_inference_plan_add_lstm(live(a.env()), a.tensor(0), a.tensor(1), a.opt(2),
                                                 a.opt(3), a.flag(4)));
    return info.Env().Undefined();
  }
  Napi::Value AddBatchNorm(const Napi::CallbackInfo& info) {
    Args a(info);
    check(a.env(), vigil_inference_plan_add_batch_norm(live(a.env()), a.tensor(0), a.tensor(1),
                                                       a.opt(2), a.opt(3), a.num(4)));
    return info.Env().Undefined();
  }
  Napi::Value AddLinear(const Napi::CallbackInfo& info) {
    Args a(info);
    check(a.env(), vigil_inference_plan_add_linear(live(a.env()), a.tensor(0), a.opt(1)));
    return info.Env().Undefined();
  }
  Napi::Value AddRepeat(const Napi::CallbackInfo& info) {
    check(info.Env(), vigil_inference_plan_add_repeat(live(info.Env())));
    return info.Env().Undefined();
  }
  Napi::Value OutputSize(const Napi::CallbackInfo& info) {
    Args a(info);
    return Napi::Number::New(a.env(), static_cast<double>(vigil_inference_plan_output_size(live(a.env()), a.flag(0))));
  }
  // run and runSeries: (input: Float32Array, batch, errors, out: Float32Array)
  using RunFn = vigil_status (*)(const vigil_inference_plan*, const float*, int64_t, int64_t, int,
                                 float*, int64_t);
  Napi::Value Call(const Napi::CallbackInfo& info, RunFn fn, const char* input) {
    Args a(info);
    int64_t in_len = 0, out_len = 0;
    const float* in = float_array(info[0], input, &in_len);
    float* out = float_array(info[3], "out", &out_len);
    check(a.env(), fn(live(a.env()), in, in_len, a.i64(1), a.flag(2), out, out_len));
    return info.Env().Undefined();
  }
  Napi::Value Run(const Napi::CallbackInfo& info) { return Call(info, vigil_inference_plan_run, "x"); }
  Napi::Value RunSeries(const Napi::CallbackInfo& info) {
    return Call(info, vigil_inference_plan_run_series, "rows");
  }
  Napi::Value Free(const Napi::CallbackInfo& info) {
    vigil_inference_plan_free(plan_);
    plan_ = nullptr;
    return info.Env().Undefined();
  }

  vigil_inference_plan* plan_ = nullptr;
};

}  // namespace

void register_inference_plan(Napi::Env env, Napi::Object exports) {
  exports.Set("InferencePlan", Plan::Init(env));
}

}  // namespace vigil::addon
