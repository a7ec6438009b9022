// The addon's entry point: registers the Storage class, the non-op functions, every op of
// ops.def under its JS name (<js>Forward/<js>Backward or <js>) and the inference plan.
#include "addon/common.h"

#define VIGIL_ADDON_EXPORT_ONE(name, js) VIGIL_EXPORT(#js, op::name);
#define VIGIL_ADDON_EXPORT_PAIR(name, js)         \
  VIGIL_EXPORT(#js "Forward", op::name##_forward); \
  VIGIL_EXPORT(#js "Backward", op::name##_backward);

namespace vigil::addon {
static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("interfaceVersion", Napi::Number::New(env, kInterfaceVersion));
  exports.Set("Storage", Storage::Init(env));
  register_basic(env, exports);
#define VIGIL_OP(name, js, entry, cuda) VIGIL_ADDON_EXPORT_##entry(name, js)
#include "vigil/ops.def"
#undef VIGIL_OP
  register_inference_plan(env, exports);
  VIGIL_EXPORT("convLstmSavedSize", conv_lstm_saved_size);
  return exports;
}
}  // namespace vigil::addon

static Napi::Object InitVigil(Napi::Env env, Napi::Object exports) {
  return vigil::addon::Init(env, exports);
}

NODE_API_MODULE(vigil, InitVigil)
