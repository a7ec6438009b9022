// Shared pieces of the addon: the Storage handle, reading tensor descriptors and scalars from
// JS arguments, and turning a failing status into a JS Error.
#pragma once
#include <napi.h>

#include <cstdint>
#include <vector>

#include "vigil/ops.h"

namespace vigil::addon {

// What lib/binding.ts expects of the addon beyond the op table (ADDON_INTERFACE there): bumped
// whenever the calling convention changes, so a stale build is refused by name instead of
// computing on misread arguments. 2: alloc's zeroed flag and the descriptors' meta.
constexpr int kInterfaceVersion = 2;

// A native buffer owned by JS. free() releases it at once; the GC finaliser is the backstop.
class Storage : public Napi::ObjectWrap<Storage> {
 public:
  static Napi::Function Init(Napi::Env env);
  // zeroed: host storage comes back filled with zero bytes (device storage is not touched).
  static Napi::Object Create(Napi::Env env, vigil_device dev, size_t nbytes, bool zeroed = false);
  explicit Storage(const Napi::CallbackInfo& info);
  ~Storage() override { release(); }
  // The GC backstop: frees and uncounts what free() was never called on.
  void Finalize(Napi::Env env) override;
  void* data() const { return data_; }
  size_t nbytes() const { return nbytes_; }
  vigil_device device() const { return device_; }

 private:
  void release();
  Napi::Value Free(const Napi::CallbackInfo& info);
  Napi::Value GetNbytes(const Napi::CallbackInfo& info);
  Napi::Value GetFreed(const Napi::CallbackInfo& info);
  void* data_ = nullptr;
  size_t nbytes_ = 0;
  vigil_device device_ = VIGIL_CPU;
};

// What the addon keeps per environment: Storage's constructor and the property names a tensor
// descriptor is read by ("storage", "shape", "dtype", "meta" internalised, in an array: Node-API
// 9 keeps references to objects only), made once; a key given as a C string is interned anew on
// every read, which cost as much as a small op's arithmetic.
struct AddonData {
  Napi::FunctionReference storage_ctor;
  Napi::ObjectReference descriptor_keys;
};

// Reads the arguments of one call. A tensor argument is a JS object
// { storage: Storage, dtype: 0|1, device: 0|1, shape: number[], meta?: Float64Array }, read
// through meta when it is there (lib/binding.ts's descriptor); optional ones may be null.
class Args {
 public:
  explicit Args(const Napi::CallbackInfo& info) : info_(info) {}
  const vigil_tensor* tensor(size_t i);  // required
  const vigil_tensor* opt(size_t i);     // null/undefined -> nullptr
  // An array of tensors (entries null/undefined -> nullptr), at most kSlots in all calls' reads.
  std::vector<const vigil_tensor*> list(size_t i);
  double num(size_t i) const;
  int64_t i64(size_t i) const;
  uint64_t u64(size_t i) const;  // a number (exact up to 2^53) or a BigInt
  bool flag(size_t i) const;
  Napi::Env env() const { return info_.Env(); }
  const Napi::CallbackInfo& info() const { return info_; }

 private:
  const vigil_tensor* read(size_t i, const Napi::Value& v);
  bool read_meta(size_t i, const Napi::Object& o, vigil_tensor& t);
  void read_fields(size_t i, const Napi::Object& o, vigil_tensor& t);
  const Napi::CallbackInfo& info_;
  napi_value keys_[4] = {nullptr, nullptr, nullptr, nullptr};  // storage, shape, dtype, meta: on first read
  static constexpr int kSlots = 32;
  vigil_tensor slots_[kSlots];
  int used_ = 0;
};

// Throws a JS Error carrying vigil_last_error() and `code` = the status name.
void check(Napi::Env env, vigil_status s);

// The exports that are not ops: storage, host copies, threads, memory and build facts.
void register_basic(Napi::Env env, Napi::Object exports);
void register_inference_plan(Napi::Env env, Napi::Object exports);
Napi::Value conv_lstm_saved_size(const Napi::CallbackInfo& info);  // ops_spatial.cpp

}  // namespace vigil::addon

// One wrapper per entry point of ops.def, named after it (op::matmul_forward, op::fill) and
// defined in ops_*.cpp; module.cpp exports each under the table's JS name, so an op of the
// table without its wrapper does not link.
#define VIGIL_ADDON_DECLARE_ONE(name) Napi::Value name(const Napi::CallbackInfo& info);
#define VIGIL_ADDON_DECLARE_PAIR(name)                         \
  Napi::Value name##_forward(const Napi::CallbackInfo& info); \
  Napi::Value name##_backward(const Napi::CallbackInfo& info);
namespace vigil::addon::op {
#define VIGIL_OP(name, js, entry, cuda) VIGIL_ADDON_DECLARE_##entry(name)
#include "vigil/ops.def"
#undef VIGIL_OP
}  // namespace vigil::addon::op

#define VIGIL_EXPORT(name, fn) exports.Set(name, Napi::Function::New(env, fn, name))

// Body of a wrapper whose op returns nothing but a status (needs `a` and `info` in scope).
#define RETURN_CHECKED(call) \
  check(a.env(), call);      \
  return info.Env().Undefined()
