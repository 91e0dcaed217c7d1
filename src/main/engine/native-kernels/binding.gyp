# Node-API addon of native kernels (kernels.c); built by scripts/build-native-kernels.mjs.
{
  "targets": [
    {
      "target_name": "freqlab_kernels",
      "sources": ["kernels.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-O3", "-std=gnu11", "-pthread", "-ffp-contract=off", "-fno-fast-math", "-fno-math-errno"],
      # nodelete: Node unloads an addon when the last worker thread that loaded it exits; the
      # thread pool of kernels.c outlives any one worker, so the library must stay mapped (a
      # reload would otherwise start a second pool beside the old one's threads).
      "ldflags": ["-pthread", "-Wl,-z,nodelete"],
      "xcode_settings": {
        "OTHER_CFLAGS": ["-O3", "-std=gnu11", "-ffp-contract=off", "-fno-math-errno"]
      }
    }
  ]
}
