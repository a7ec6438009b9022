# The CPU-only node-gyp build (`npx node-gyp rebuild`), an alternative to the CMake build that
# `npm install` runs. It reads the same source lists as CMakeLists.txt.
{
  "targets": [
    {
      "target_name": "vigil",
      "sources": [
        "<!@(node -p \"['native/sources.txt','native/sources_nocuda.txt','native/sources_addon.txt'].flatMap(f=>require('fs').readFileSync(f,'utf8').split(/\\\\r?\\\\n/)).filter(l=>l&&!l.startsWith('#')).join(' ')\")"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "native/include",
        "native"
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "VIGIL_CUDA_COMPILED=0", "VIGIL_CPU_TARGET_NAME=\"native\""],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=c++17", "-O3", "-fno-math-errno", "-march=native", "-fexceptions"],
      "ldflags": ["-pthread"]
    }
  ]
}
