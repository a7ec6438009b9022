#include "addon/common.h"

#include <cmath>
#include <cstring>
#include <string>

namespace vigil::addon {

Napi::Function Storage::Init(Napi::Env env) {
  Napi::Function cls = DefineClass(
      env, "Storage",
      {InstanceMethod<&Storage::Free>("free"),
       InstanceAccessor<&Storage::GetNbytes>("nbytes"),
       InstanceAccessor<&Storage::GetFreed>("freed")});
  // Property names as V8 keeps them (internalised): defined on an object, then listed back.
  Napi::Object named = Napi::Object::New(env);
  for (const char* k : {"storage", "shape", "dtype", "meta"}) named.Set(k, env.Null());
  auto* data = new AddonData{Napi::Persistent(cls), Napi::Persistent(named.GetPropertyNames().As<Napi::Object>())};
  env.SetInstanceData<AddonData>(data);
  return cls;
}

namespace {
// V8 is told how much memory hides behind its small Storage objects, so that it collects
// unreachable ones when they hold a lot. Host memory counts as it leaves or returns to the
// system: a buffer reused from the cache costs nothing (counting every reuse made a tidy-scoped
// inference loop trigger a major GC every few steps, whose marker thread then competed with the
// pool for the cores). Device memory counts per buffer.
void count_external(Napi::Env env, vigil_device dev, int64_t device_bytes) {
  int64_t d = dev == VIGIL_CPU ? vigil_take_host_system_delta() : device_bytes;
  if (d) Napi::MemoryManagement::AdjustExternalMemory(env, d);
}
}  // namespace

Napi::Object Storage::Create(Napi::Env env, vigil_device dev, size_t nbytes, bool zeroed) {
  return env.GetInstanceData<AddonData>()->storage_ctor.New({Napi::Number::New(env, static_cast<double>(dev)),
                    Napi::Number::New(env, static_cast<double>(nbytes)), Napi::Boolean::New(env, zeroed)});
}

Storage::Storage(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Storage>(info) {
  device_ = static_cast<vigil_device>(info[0].As<Napi::Number>().Int32Value());
  nbytes_ = static_cast<size_t>(info[1].As<Napi::Number>().Int64Value());
  check(info.Env(), vigil_alloc(device_, nbytes_, &data_));
  // Host zeros in the same call: a zeroed gradient buffer is the commonest allocation in training.
  if (device_ == VIGIL_CPU && info.Length() > 2 && info[2].ToBoolean().Value() && data_) std::memset(data_, 0, nbytes_);
  count_external(info.Env(), device_, static_cast<int64_t>(nbytes_));
}

void Storage::Finalize(Napi::Env env) {
  if (!data_) return;
  release();
  count_external(env, device_, -static_cast<int64_t>(nbytes_));
}

void Storage::release() {
  if (!data_) return;
  vigil_free(device_, data_, nbytes_);
  data_ = nullptr;
}

Napi::Value Storage::Free(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (data_) {
    release();
    count_external(env, device_, -static_cast<int64_t>(nbytes_));
  }
  // Node runs a wrap's GC finaliser only on an event-loop turn, so in a synchronous loop every
  // freed handle (this object and its reference) would pile up until then. Unwrapping now
  // cancels that finaliser and lets this object go at once; the JS object stays behind as an
  // empty shell (any later use of it is an "invalid argument" error, never a dangling pointer).
  if (napi_remove_wrap(env, info.This(), nullptr) == napi_ok) delete this;
  return env.Undefined();
}

Napi::Value Storage::GetNbytes(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(nbytes_));
}

Napi::Value Storage::GetFreed(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), data_ == nullptr);
}

void check(Napi::Env env, vigil_status s) {
  if (s == VIGIL_OK) return;
  Napi::Error err = Napi::Error::New(env, vigil_last_error());
  err.Set("code", Napi::String::New(env, vigil_status_name(s)));
  throw err;
}

static Napi::Error arg_error(Napi::Env env, size_t i, const char* what) {
  return Napi::TypeError::New(env, "argument " + std::to_string(i) + ": expected " + what);
}

const vigil_tensor* Args::read(size_t i, const Napi::Value& v) {
  if (!v.IsObject()) throw arg_error(env(), i, "a tensor");
  if (used_ >= kSlots) throw Napi::Error::New(env(), "too many tensor arguments");
  Napi::Object o = v.As<Napi::Object>();
  if (!keys_[0]) {
    Napi::Object keys = env().GetInstanceData<AddonData>()->descriptor_keys.Value();
    for (uint32_t k = 0; k < 4; ++k) keys_[k] = keys.Get(k);
  }
  Napi::Value sv = o.Get(keys_[0]);
  if (!sv.IsObject()) throw arg_error(env(), i, "a tensor with a storage");
  Storage* st = Storage::Unwrap(sv.As<Napi::Object>());
  vigil_tensor& t = slots_[used_++];
  if (!read_meta(i, o, t)) read_fields(i, o, t);
  t.data = st->data();
  t.device = st->device();
  size_t elems = 1;
  for (int k = 0; k < t.ndim; ++k) elems *= static_cast<size_t>(t.shape[k]);
  if (t.data && elems * vigil_dtype_size(t.dtype) > st->nbytes())
    throw Napi::RangeError::New(env(), "argument " + std::to_string(i) +
                                           ": shape needs more bytes than its storage holds");
  return &t;
}

// dtype and shape from the descriptor's fields, one property or element read each.
void Args::read_fields(size_t i, const Napi::Object& o, vigil_tensor& t) {
  Napi::Value shape_v = o.Get(keys_[1]);
  if (!shape_v.IsArray()) throw arg_error(env(), i, "a tensor with a shape array");
  Napi::Array shape = shape_v.As<Napi::Array>();
  if (shape.Length() > VIGIL_MAX_DIMS) throw arg_error(env(), i, "at most 8 dims");
  t.dtype = static_cast<vigil_dtype>(o.Get(keys_[2]).As<Napi::Number>().Int32Value());
  t.ndim = static_cast<int32_t>(shape.Length());
  for (uint32_t k = 0; k < shape.Length(); ++k) {
    int64_t d = shape.Get(k).As<Napi::Number>().Int64Value();
    if (d < 0) throw arg_error(env(), i, "a shape of non-negative sizes");
    t.shape[k] = d;
  }
}

// dtype and shape from the descriptor's `meta` (lib/binding.ts): a Float64Array [dtype, ndim,
// d0 .. d(ndim-1)] read in one call, where the fields cost a read each (a tensor argument's
// reading was most of a small op's time). False when the descriptor has no meta.
bool Args::read_meta(size_t i, const Napi::Object& o, vigil_tensor& t) {
  napi_typedarray_type type;
  size_t len = 0;
  void* raw = nullptr;
  if (napi_get_typedarray_info(env(), o.Get(keys_[3]), &type, &len, &raw, nullptr, nullptr) != napi_ok)
    return false;
  const double* m = static_cast<const double*>(raw);
  // Range checks before any cast (a NaN or huge double cast to an integer is undefined).
  if (type != napi_float64_array || len < 2 || !(m[1] >= 0 && m[1] <= VIGIL_MAX_DIMS) ||
      m[1] != std::floor(m[1]) || len != 2 + static_cast<size_t>(m[1]) || (m[0] != 0 && m[0] != 1))
    throw arg_error(env(), i, "a tensor whose meta is [dtype, ndim, dims...] (a Float64Array)");
  t.dtype = static_cast<vigil_dtype>(m[0]);
  t.ndim = static_cast<int32_t>(m[1]);
  for (int k = 0; k < t.ndim; ++k) {
    const double d = m[2 + k];
    if (!(d >= 0 && d <= 9007199254740992.0 && d == std::floor(d)))
      throw arg_error(env(), i, "a shape of non-negative integer sizes");
    t.shape[k] = static_cast<int64_t>(d);
  }
  return true;
}

const vigil_tensor* Args::tensor(size_t i) {
  if (i >= info_.Length()) throw arg_error(env(), i, "a tensor");
  return read(i, info_[i]);
}

const vigil_tensor* Args::opt(size_t i) {
  if (i >= info_.Length() || info_[i].IsNull() || info_[i].IsUndefined()) return nullptr;
  return read(i, info_[i]);
}

std::vector<const vigil_tensor*> Args::list(size_t i) {
  if (i >= info_.Length() || !info_[i].IsArray()) throw arg_error(env(), i, "an array of tensors");
  Napi::Array a = info_[i].As<Napi::Array>();
  std::vector<const vigil_tensor*> out(a.Length(), nullptr);
  for (uint32_t k = 0; k < a.Length(); ++k) {
    Napi::Value v = a.Get(k);
    if (!v.IsNull() && !v.IsUndefined()) out[k] = read(i, v);
  }
  return out;
}

double Args::num(size_t i) const {
  if (i >= info_.Length() || !info_[i].IsNumber()) throw arg_error(env(), i, "a number");
  return info_[i].As<Napi::Number>().DoubleValue();
}

int64_t Args::i64(size_t i) const { return static_cast<int64_t>(num(i)); }

uint64_t Args::u64(size_t i) const {
  if (i < info_.Length() && info_[i].IsBigInt()) {
    bool lossless = true;
    return info_[i].As<Napi::BigInt>().Uint64Value(&lossless);
  }
  double d = num(i);
  if (d < 0) throw arg_error(env(), i, "a non-negative integer");
  return static_cast<uint64_t>(d);
}

bool Args::flag(size_t i) const {
  if (i >= info_.Length()) return false;
  return info_[i].ToBoolean().Value();
}

}  // namespace vigil::addon
