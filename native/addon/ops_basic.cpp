// Storage, host copies, fill/copy/cast, random numbers, memory and build facts.
#include <string>
#include <vector>

#include "addon/common.h"

namespace vigil::addon {
namespace {

Napi::Value Alloc(const Napi::CallbackInfo& info) {
  Args a(info);
  int64_t dev = a.i64(0);
  if (dev != VIGIL_CPU && dev != VIGIL_CUDA) throw Napi::TypeError::New(info.Env(), "alloc: unknown device");
  double n = a.num(1);
  if (n < 0) throw Napi::RangeError::New(info.Env(), "alloc: negative size");
  return Storage::Create(info.Env(), static_cast<vigil_device>(dev), static_cast<size_t>(n), a.flag(2));
}

void host_bytes(const Napi::Value& v, void** p, size_t* n) {
  if (!v.IsTypedArray()) throw Napi::TypeError::New(v.Env(), "expected a typed array");
  Napi::TypedArray ta = v.As<Napi::TypedArray>();
  *p = static_cast<uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
  *n = ta.ByteLength();
}

Napi::Value Write(const Napi::CallbackInfo& info) {  // write(tensor, typedArray)
  Args a(info);
  void* p;
  size_t n;
  host_bytes(info[1], &p, &n);
  check(a.env(), vigil_copy_from_host(a.tensor(0), p, n));
  return info.Env().Undefined();
}

Napi::Value Read(const Napi::CallbackInfo& info) {  // read(tensor, typedArray)
  Args a(info);
  void* p;
  size_t n;
  host_bytes(info[1], &p, &n);
  check(a.env(), vigil_copy_to_host(a.tensor(0), p, n));
  return info.Env().Undefined();
}

Napi::Value Memory(const Napi::CallbackInfo& info) {
  vigil_mem_stats s = vigil_memory();
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("cpuBytes", static_cast<double>(s.cpu_bytes));
  o.Set("cpuBuffers", static_cast<double>(s.cpu_buffers));
  o.Set("cudaBytes", static_cast<double>(s.cuda_bytes));
  o.Set("cudaBuffers", static_cast<double>(s.cuda_buffers));
  o.Set("cpuCachedBytes", static_cast<double>(s.cpu_cached_bytes));
  o.Set("cudaCachedBytes", static_cast<double>(s.cuda_cached_bytes));
  // this isolate's external memory as V8 counts it (Vigil's reports and any other addon's)
  o.Set("v8ExternalBytes", static_cast<double>(Napi::MemoryManagement::AdjustExternalMemory(info.Env(), 0)));
  return o;
}

Napi::Value ReleaseCached(const Napi::CallbackInfo& info) {
  vigil_release_cached();
  // what went back to the system leaves V8's count of external memory
  Napi::MemoryManagement::AdjustExternalMemory(info.Env(), vigil_take_host_system_delta());
  return info.Env().Undefined();
}

Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  vigil_set_num_threads(static_cast<int>(Args(info).i64(0)));
  return info.Env().Undefined();
}

Napi::Value GetNumThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), vigil_get_num_threads());
}

std::string cuda_describe() {
  std::string s(256, '\0');
  const int n = vigil_cuda_describe(s.data(), s.size());
  if (n >= static_cast<int>(s.size())) {
    s.assign(static_cast<size_t>(n) + 1, '\0');
    vigil_cuda_describe(s.data(), s.size());
  }
  s.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return s;
}

Napi::Value BuildInfo(const Napi::CallbackInfo& info) {
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("cudaCompiled", vigil_cuda_compiled() != 0);
  o.Set("cudaDevices", vigil_cuda_device_count());
  o.Set("cudaInfo", cuda_describe());
  o.Set("threads", vigil_get_num_threads());
  o.Set("cpuTarget", VIGIL_CPU_TARGET_NAME);
  return o;
}

// supports(op, device) -> whether this build has a kernel for the op family on the device
Napi::Value Supports(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsString())
    throw Napi::TypeError::New(info.Env(), "supports: expected an op name");
  const std::string op = info[0].As<Napi::String>().Utf8Value();
  const int64_t dev = Args(info).i64(1);
  return Napi::Boolean::New(info.Env(), vigil_supports(op.c_str(), static_cast<vigil_device>(dev)) != 0);
}

// cudaSetTf32(enable) -> the previous setting (see vigil_cuda_set_tf32)
Napi::Value CudaSetTf32(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), vigil_cuda_set_tf32(Args(info).flag(0) ? 1 : 0) != 0);
}

}  // namespace

namespace op {

Napi::Value fill(const Napi::CallbackInfo& info) {
  Args a(info);
  check(a.env(), vigil_fill(a.tensor(0), a.num(1)));
  return info.Env().Undefined();
}

Napi::Value copy(const Napi::CallbackInfo& info) {
  Args a(info);
  check(a.env(), vigil_copy(a.tensor(0), a.tensor(1)));
  return info.Env().Undefined();
}

Napi::Value cast(const Napi::CallbackInfo& info) {
  Args a(info);
  check(a.env(), vigil_cast(a.tensor(0), a.tensor(1)));
  return info.Env().Undefined();
}

// randomFill(y, dist, a, b, seed, offset) -> blocks consumed
Napi::Value random_fill(const Napi::CallbackInfo& info) {
  Args a(info);
  const vigil_tensor* y = a.tensor(0);
  auto dist = static_cast<vigil_rng_dist>(a.i64(1));
  check(a.env(), vigil_random_fill(y, dist, a.num(2), a.num(3), a.u64(4), a.u64(5)));
  return Napi::Number::New(info.Env(), static_cast<double>(vigil_random_blocks(dist, vigil_numel(y))));
}

}  // namespace op

void register_basic(Napi::Env env, Napi::Object exports) {
  VIGIL_EXPORT("alloc", Alloc);
  VIGIL_EXPORT("write", Write);
  VIGIL_EXPORT("read", Read);
  VIGIL_EXPORT("memory", Memory);
  VIGIL_EXPORT("releaseCached", ReleaseCached);
  VIGIL_EXPORT("setNumThreads", SetNumThreads);
  VIGIL_EXPORT("getNumThreads", GetNumThreads);
  VIGIL_EXPORT("buildInfo", BuildInfo);
  VIGIL_EXPORT("supports", Supports);
  VIGIL_EXPORT("cudaSetTf32", CudaSetTf32);
}

}  // namespace vigil::addon
