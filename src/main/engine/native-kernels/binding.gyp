# Node-API addon of native kernels (kernels.c); built by scripts/build-native-kernels.mjs.
{
  "targets": [
    {
      "target_name": "freqlab_kernels",
      "sources": ["kernels.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-O3", "-std=gnu11", "-pthread", "-ffp-contract=off", "-fno-fast-math", "-fno-math-errno"],
      "ldflags": ["-pthread"],
      "xcode_settings": {
        "OTHER_CFLAGS": ["-O3", "-std=gnu11", "-ffp-contract=off", "-fno-math-errno"]
      }
    }
  ]
}
