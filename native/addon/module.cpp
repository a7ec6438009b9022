// The addon's entry point: registers the Storage class and every op family.
#include "addon/common.h"

namespace vigil::addon {
static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("Storage", Storage::Init(env));
  register_basic(env, exports);
  register_math(env, exports);
  register_nn(env, exports);
  register_train(env, exports);
  register_inference_plan(env, exports);
  return exports;
}
}  // namespace vigil::addon

static Napi::Object InitVigil(Napi::Env env, Napi::Object exports) {
  return vigil::addon::Init(env, exports);
}

NODE_API_MODULE(vigil, InitVigil)
