// Native kernels for the tfjs wasm backend (native-kernels.ts): a single-precision matrix product
// with AVX2/FMA (x86-64, chosen at run time; portable C elsewhere) on a pool of threads, and a
// fused Adam step. They work in place on the backend's memory (the WebAssembly.Memory's
// ArrayBuffer, passed with byte offsets), so a tensor is never copied to or from the addon.
//
// A Node-API addon: one build serves Node and Electron (no ABI rebuild). Linked with
// -z nodelete (binding.gyp): its thread pool lives as long as the process, across worker threads. Built by
// scripts/build-native-kernels.mjs (node-gyp, binding.gyp); optional: without it the wasm
// kernels of wasm-kernels.ts run.
//
// Exactness: every element of C is computed by the same sequence of operations whatever the
// thread count and wherever its row falls in a tile (rows are padded, never re-associated), so
// results do not depend on FREQLAB_MATMUL_THREADS. The Adam step does tfjs's float32 operations
// one by one in tfjs's order (no contraction into FMA: -ffp-contract=off), so it is bit-identical
// to tfjs's AdamOptimizer.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <math.h>
#include <pthread.h>
#include <unistd.h>
#if defined(__x86_64__)
#include <immintrin.h>
#define FREQLAB_X86 1
#endif

// ---------------------------------------------------------------------------------------------
// Matrix product C[m][n] = sum_t A(i, t) B(t, j); A(i, t) = a[i * ars + t * acs],
// B(t, j) = b[t * brs + j * bcs], C row-major with row stride ldc. Blocked as in BLIS: k in
// blocks of KC, A packed in panels of MR rows, B in panels of NR columns, an MR x NR register tile.
// ---------------------------------------------------------------------------------------------
#define MR 6
#define NR 16
#define KC 256
#define MC 96

// A convolution's geometry (NHWC images, HWIO filters); src/dst: the operands of col2im.
typedef struct {
  const float *src;
  float *dst;
  int64_t in_h, in_w, in_c, out_h, out_w, fh, fw, sh, sw, dh, dw, pt, pl;
} conv_geom;

// Where A comes from: a matrix with strides, or a convolution's patches read from the images as
// they are packed (no patch matrix): A(m, k) = patch m's value k (forward), or A(k, m) (the
// filter gradient, patches transposed). Patch m = (image, r, c); value k = (kh, kw, ci).
enum a_source { A_STRIDED = 0, A_PATCHES = 1, A_PATCHES_T = 2 };

typedef struct {
  const float *a;
  int64_t ars, acs;
  const float *b;
  int64_t brs, bcs;
  float *c;
  int64_t ldc;
  int m, n, k;
  enum a_source a_source;
  const conv_geom *conv;  // for A_PATCHES / A_PATCHES_T: images at conv->src
} gemm_args;

typedef void (*micro_fn)(int kc, const float *ap, const float *bp, float *c, int64_t ldc, int add, int mr, int nr);

// tile: the MR x NR product of one A panel and one B panel over kc; written to c (mr x nr of it), added when `add`.
static void store_tile(const float *acc, float *c, int64_t ldc, int add, int mr, int nr) {
  for (int i = 0; i < mr; i++) {
    float *row = c + i * ldc;
    if (add)
      for (int j = 0; j < nr; j++) row[j] += acc[i * NR + j];
    else
      memcpy(row, acc + i * NR, (size_t)nr * sizeof(float));
  }
}

static void micro_generic(int kc, const float *ap, const float *bp, float *c, int64_t ldc, int add, int mr, int nr) {
  float acc[MR * NR];
  memset(acc, 0, sizeof acc);
  for (int p = 0; p < kc; p++, ap += MR, bp += NR)
    for (int i = 0; i < MR; i++) {
      const float x = ap[i];
      for (int j = 0; j < NR; j++) acc[i * NR + j] += x * bp[j];
    }
  store_tile(acc, c, ldc, add, mr, nr);
}

#ifdef FREQLAB_X86
__attribute__((target("avx2,fma"))) static void micro_avx2(int kc, const float *ap, const float *bp, float *c, int64_t ldc, int add, int mr,
                                                           int nr) {
  __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
  __m256 c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
  for (int p = 0; p < kc; p++, ap += MR, bp += NR) {
    const __m256 b0 = _mm256_load_ps(bp), b1 = _mm256_load_ps(bp + 8);
    __m256 x = _mm256_broadcast_ss(ap);
    c00 = _mm256_fmadd_ps(x, b0, c00);
    c01 = _mm256_fmadd_ps(x, b1, c01);
    x = _mm256_broadcast_ss(ap + 1);
    c10 = _mm256_fmadd_ps(x, b0, c10);
    c11 = _mm256_fmadd_ps(x, b1, c11);
    x = _mm256_broadcast_ss(ap + 2);
    c20 = _mm256_fmadd_ps(x, b0, c20);
    c21 = _mm256_fmadd_ps(x, b1, c21);
    x = _mm256_broadcast_ss(ap + 3);
    c30 = _mm256_fmadd_ps(x, b0, c30);
    c31 = _mm256_fmadd_ps(x, b1, c31);
    x = _mm256_broadcast_ss(ap + 4);
    c40 = _mm256_fmadd_ps(x, b0, c40);
    c41 = _mm256_fmadd_ps(x, b1, c41);
    x = _mm256_broadcast_ss(ap + 5);
    c50 = _mm256_fmadd_ps(x, b0, c50);
    c51 = _mm256_fmadd_ps(x, b1, c51);
  }
  if (mr == MR && nr == NR) {
#define ROW(i, v0, v1)                                                   \
  {                                                                      \
    float *q = c + (i) * ldc;                                            \
    if (add) {                                                           \
      v0 = _mm256_add_ps(v0, _mm256_loadu_ps(q));                        \
      v1 = _mm256_add_ps(v1, _mm256_loadu_ps(q + 8));                    \
    }                                                                    \
    _mm256_storeu_ps(q, v0);                                             \
    _mm256_storeu_ps(q + 8, v1);                                         \
  }
    ROW(0, c00, c01) ROW(1, c10, c11) ROW(2, c20, c21) ROW(3, c30, c31) ROW(4, c40, c41) ROW(5, c50, c51)
#undef ROW
    return;
  }
  float acc[MR * NR] __attribute__((aligned(32)));
  _mm256_store_ps(acc + 0, c00), _mm256_store_ps(acc + 8, c01), _mm256_store_ps(acc + 16, c10), _mm256_store_ps(acc + 24, c11);
  _mm256_store_ps(acc + 32, c20), _mm256_store_ps(acc + 40, c21), _mm256_store_ps(acc + 48, c30), _mm256_store_ps(acc + 56, c31);
  _mm256_store_ps(acc + 64, c40), _mm256_store_ps(acc + 72, c41), _mm256_store_ps(acc + 80, c50), _mm256_store_ps(acc + 88, c51);
  store_tile(acc, c, ldc, add, mr, nr);
}
#endif

static micro_fn micro = micro_generic;
typedef struct scratch scratch;
// A job's work on items [begin, end) with the thread's scratch; 0 when out of memory.
typedef int (*range_fn)(const void *arg, int64_t begin, int64_t end, scratch *s);
static int adam_range_generic(const void *arg, int64_t begin, int64_t end, scratch *s);
#ifdef FREQLAB_X86
static int adam_range_avx2(const void *arg, int64_t begin, int64_t end, scratch *s);
#endif
static range_fn adam_range = adam_range_generic;
static int colsum_range_generic(const void *arg, int64_t begin, int64_t end, scratch *s);
#ifdef FREQLAB_X86
static int colsum_range_avx2(const void *arg, int64_t begin, int64_t end, scratch *s);
#endif
static range_fn colsum_range = colsum_range_generic;
static int binary_range_generic(const void *arg, int64_t begin, int64_t end, scratch *s);
#ifdef FREQLAB_X86
static int binary_range_avx2(const void *arg, int64_t begin, int64_t end, scratch *s);
#endif
static range_fn binary_range = binary_range_generic;
static const char *isa = "portable C";

static void choose_isa(void) {
#ifdef FREQLAB_X86
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && !getenv("FREQLAB_NATIVE_PORTABLE")) {
    micro = micro_avx2;
    adam_range = adam_range_avx2;
    colsum_range = colsum_range_avx2;
    binary_range = binary_range_avx2;
    isa = "AVX2+FMA";
  }
#endif
}

// Per-thread scratch: packed panels of A (MC x KC) and B (KC x n rounded up to NR).
struct scratch {
  float *ap, *bp;
  size_t bp_floats;
};

static int ensure_scratch(scratch *s, size_t b_floats) {
  if (!s->ap) {
    s->ap = aligned_alloc(64, sizeof(float) * MC * KC);
    if (!s->ap) return 0;
  }
  if (s->bp_floats < b_floats) {
    free(s->bp);
    s->bp = aligned_alloc(64, sizeof(float) * ((b_floats + 15) / 16 * 16));
    s->bp_floats = s->bp ? b_floats : 0;
    if (!s->bp) return 0;
  }
  return 1;
}

// B(pc..pc+kc, 0..n) into panels of NR columns: panel q holds kc rows of NR floats, zero padded.
static void pack_b(const gemm_args *g, int pc, int kc, float *dst) {
  const int panels = (g->n + NR - 1) / NR;
  for (int q = 0; q < panels; q++) {
    const int j0 = q * NR, nr = g->n - j0 < NR ? g->n - j0 : NR;
    float *d = dst + (size_t)q * kc * NR;
    if (g->bcs == 1) {
      for (int p = 0; p < kc; p++) {
        const float *src = g->b + (int64_t)(pc + p) * g->brs + j0;
        memcpy(d + p * NR, src, (size_t)nr * sizeof(float));
        for (int j = nr; j < NR; j++) d[p * NR + j] = 0;
      }
    } else {
      for (int j = 0; j < NR; j++) {
        if (j >= nr) {
          for (int p = 0; p < kc; p++) d[p * NR + j] = 0;
          continue;
        }
        const float *src = g->b + (int64_t)(j0 + j) * g->bcs + (int64_t)pc * g->brs;
        for (int p = 0; p < kc; p++) d[p * NR + j] = src[(int64_t)p * g->brs];
      }
    }
  }
}

// A(i0..i0+mc, pc..pc+kc) into panels of MR rows: panel r holds kc columns of MR floats, zero padded.
static void pack_a(const gemm_args *g, int i0, int mc, int pc, int kc, float *dst) {
  const int panels = (mc + MR - 1) / MR;
  for (int r = 0; r < panels; r++) {
    const int mr = mc - r * MR < MR ? mc - r * MR : MR;
    float *d = dst + (size_t)r * kc * MR;
    for (int i = 0; i < MR; i++) {
      if (i >= mr) {
        for (int p = 0; p < kc; p++) d[p * MR + i] = 0;
        continue;
      }
      const float *src = g->a + (int64_t)(i0 + r * MR + i) * g->ars + (int64_t)pc * g->acs;
      if (g->acs == 1)
        for (int p = 0; p < kc; p++) d[p * MR + i] = src[p];
      else
        for (int p = 0; p < kc; p++) d[p * MR + i] = src[(int64_t)p * g->acs];
    }
  }
}

// A_PATCHES: rows are patches i0.., columns values pc..pc+kc, copied a run of channels at a time
// (the channels of one image position are contiguous).
static void pack_a_patches(const gemm_args *ga, int i0, int mc, int pc, int kc, float *dst) {
  const conv_geom *g = ga->conv;
  const int64_t P = g->out_h * g->out_w, row_len = g->fw * g->in_c;
  const int panels = (mc + MR - 1) / MR;
  for (int q = 0; q < panels; q++) {
    float *d = dst + (size_t)q * kc * MR;
    for (int i = 0; i < MR; i++) {
      if (q * MR + i >= mc) {
        for (int p = 0; p < kc; p++) d[p * MR + i] = 0;
        continue;
      }
      const int64_t m = (int64_t)i0 + q * MR + i;
      const int64_t n = m / P, rc = m % P, r = rc / g->out_w, c = rc % g->out_w;
      for (int p = 0; p < kc;) {
        const int64_t k = pc + p, kh = k / row_len, kw = (k % row_len) / g->in_c, ci = k % g->in_c;
        const int run = (int)(g->in_c - ci < kc - p ? g->in_c - ci : kc - p);
        const int64_t ih = r * g->sh - g->pt + kh * g->dh, iw = c * g->sw - g->pl + kw * g->dw;
        float *out = d + (size_t)p * MR + i;
        if (ih < 0 || ih >= g->in_h || iw < 0 || iw >= g->in_w) {
          for (int t = 0; t < run; t++) out[t * MR] = 0;
        } else {
          const float *src = g->src + ((n * g->in_h + ih) * g->in_w + iw) * g->in_c + ci;
          for (int t = 0; t < run; t++) out[t * MR] = src[t];
        }
        p += run;
      }
    }
  }
}

// A_PATCHES_T: rows are values i0.., columns patches pc..pc+kc, a run of one output row at a time.
static void pack_a_patches_t(const gemm_args *ga, int i0, int mc, int pc, int kc, float *dst) {
  const conv_geom *g = ga->conv;
  const int64_t P = g->out_h * g->out_w, row_len = g->fw * g->in_c;
  const int panels = (mc + MR - 1) / MR;
  for (int q = 0; q < panels; q++) {
    float *d = dst + (size_t)q * kc * MR;
    for (int i = 0; i < MR; i++) {
      if (q * MR + i >= mc) {
        for (int p = 0; p < kc; p++) d[p * MR + i] = 0;
        continue;
      }
      const int64_t k = (int64_t)i0 + q * MR + i;
      const int64_t kh = k / row_len, kw = (k % row_len) / g->in_c, ci = k % g->in_c;
      for (int p = 0; p < kc;) {
        const int64_t m = pc + p, n = m / P, rc = m % P, r = rc / g->out_w, c = rc % g->out_w;
        const int run = (int)(g->out_w - c < kc - p ? g->out_w - c : kc - p);
        const int64_t ih = r * g->sh - g->pt + kh * g->dh;
        float *out = d + (size_t)p * MR + i;
        if (ih < 0 || ih >= g->in_h) {
          for (int t = 0; t < run; t++) out[t * MR] = 0;
        } else {
          const float *base = g->src + (n * g->in_h + ih) * g->in_w * g->in_c + ci;
          for (int t = 0; t < run; t++) {
            const int64_t iw = (c + t) * g->sw - g->pl + kw * g->dw;
            out[t * MR] = iw >= 0 && iw < g->in_w ? base[iw * g->in_c] : 0;
          }
        }
        p += run;
      }
    }
  }
}

// Rows [r0, r1) of C.
static int gemm_rows(const gemm_args *g, int r0, int r1, scratch *s) {
  if (r1 <= r0) return 1;
  const int panels_n = (g->n + NR - 1) / NR;
  if (g->k == 0) {
    for (int i = r0; i < r1; i++) memset(g->c + (int64_t)i * g->ldc, 0, (size_t)g->n * sizeof(float));
    return 1;
  }
  if (!ensure_scratch(s, (size_t)KC * panels_n * NR)) return 0;
  for (int pc = 0; pc < g->k; pc += KC) {
    const int kc = g->k - pc < KC ? g->k - pc : KC;
    pack_b(g, pc, kc, s->bp);
    for (int ic = r0; ic < r1; ic += MC) {
      const int mc = r1 - ic < MC ? r1 - ic : MC;
      if (g->a_source == A_PATCHES)
        pack_a_patches(g, ic, mc, pc, kc, s->ap);
      else if (g->a_source == A_PATCHES_T)
        pack_a_patches_t(g, ic, mc, pc, kc, s->ap);
      else
        pack_a(g, ic, mc, pc, kc, s->ap);
      for (int q = 0; q < panels_n; q++) {
        const int j0 = q * NR, nr = g->n - j0 < NR ? g->n - j0 : NR;
        const float *bp = s->bp + (size_t)q * kc * NR;
        for (int r = 0; r * MR < mc; r++) {
          const int mr = mc - r * MR < MR ? mc - r * MR : MR;
          micro(kc, s->ap + (size_t)r * kc * MR, bp, g->c + (int64_t)(ic + r * MR) * g->ldc + j0, g->ldc, pc > 0, mr, nr);
        }
      }
    }
  }
  return 1;
}

// ---------------------------------------------------------------------------------------------
// Thread pool: the caller and worker threads share one job, each a contiguous range of its items
// (rows of C, elements of a variable). A job that arrives while the pool is busy (another run
// training in another worker thread) runs on its caller's thread alone.
// ---------------------------------------------------------------------------------------------
#define MAX_THREADS 64


static pthread_mutex_t pool_busy = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pool_wake = PTHREAD_COND_INITIALIZER;
static pthread_cond_t pool_done = PTHREAD_COND_INITIALIZER;
static int pool_threads = 1;  // including the caller
static int pool_started = 0;  // worker threads running
static unsigned long pool_generation = 0;
static int pool_pending = 0;
static int pool_failed = 0;
static range_fn pool_fn = NULL;
static const void *pool_arg = NULL;
static int pool_active = 1;  // threads taking part in the current job, the caller included
static int64_t pool_ranges[MAX_THREADS + 1];
static scratch pool_scratch[MAX_THREADS];
static scratch caller_scratch;  // used under pool_busy
static __thread scratch solo_scratch;

static void *pool_main(void *arg) {
  const int id = (int)(intptr_t)arg;
  unsigned long seen = 0;
  for (;;) {
    pthread_mutex_lock(&pool_lock);
    while (pool_generation == seen) pthread_cond_wait(&pool_wake, &pool_lock);
    seen = pool_generation;
    const range_fn fn = pool_fn;
    const void *job = pool_arg;
    const int active = id < pool_active;
    pthread_mutex_unlock(&pool_lock);
    if (!active) continue;
    const int ok = fn(job, pool_ranges[id], pool_ranges[id + 1], &pool_scratch[id]);
    pthread_mutex_lock(&pool_lock);
    if (!ok) pool_failed = 1;
    if (--pool_pending == 0) pthread_cond_signal(&pool_done);
    pthread_mutex_unlock(&pool_lock);
  }
  return NULL;
}

static void start_workers(int want) {
  while (pool_started < want - 1) {
    pthread_t t;
    if (pthread_create(&t, NULL, pool_main, (void *)(intptr_t)(pool_started + 1)) != 0) break;
    pthread_detach(t);
    pool_started++;
  }
}

// Runs fn over [0, items) in ranges that are whole multiples of `unit` (but the last), on the pool
// when `parallel` and it is free, else on this thread.
static int pool_run(range_fn fn, const void *arg, int64_t items, int64_t unit, int parallel) {
  if (pool_threads > 1 && parallel && items >= 2 * unit && pthread_mutex_trylock(&pool_busy) == 0) {
    start_workers(pool_threads);
    const int t = pool_threads < pool_started + 1 ? pool_threads : pool_started + 1;
    const int64_t units = (items + unit - 1) / unit;
    for (int i = 0; i <= t; i++) {
      const int64_t r = units * i / t * unit;
      pool_ranges[i] = r < items ? r : items;
    }
    pthread_mutex_lock(&pool_lock);
    pool_fn = fn;
    pool_arg = arg;
    pool_pending = t - 1;
    pool_active = t;
    pool_failed = 0;
    pool_generation++;
    pthread_cond_broadcast(&pool_wake);
    pthread_mutex_unlock(&pool_lock);
    int ok = fn(arg, pool_ranges[0], pool_ranges[1], &caller_scratch);
    pthread_mutex_lock(&pool_lock);
    while (pool_pending > 0) pthread_cond_wait(&pool_done, &pool_lock);
    if (pool_failed) ok = 0;
    pthread_mutex_unlock(&pool_lock);
    pthread_mutex_unlock(&pool_busy);
    return ok;
  }
  return fn(arg, 0, items, &solo_scratch);
}

// Work (multiply-adds) below which a product stays on one thread.
#define MIN_PARALLEL_WORK 2000000

static int gemm_range(const void *arg, int64_t begin, int64_t end, scratch *s) { return gemm_rows(arg, (int)begin, (int)end, s); }

static int gemm_run(const gemm_args *g) {
  const double work = (double)g->m * g->n * g->k;
  return pool_run(gemm_range, g, g->m, MR, work >= MIN_PARALLEL_WORK);
}

// ---------------------------------------------------------------------------------------------
// Adam, as tfjs-core 4.22's AdamOptimizer.applyGradients computes it for one variable, in float32:
//   m' = m b1 + g (1 - b1);  v' = v b2 + g^2 (1 - b2)
//   w' = (m' / (1 - b1^t)) / (sqrt(v' / (1 - b2^t)) + eps) * (-lr) + w
// Each operation rounds to float32 as tfjs's separate kernels do (no FMA contraction), so the
// AVX2 build of the loop (wider, same operations) and the portable one give the same bits.
// ---------------------------------------------------------------------------------------------
typedef struct {
  const float *w, *g, *m, *v;
  float *w_out, *m_out, *v_out;
  float b1, b2, one_minus_b1, one_minus_b2, one_minus_acc_b1, one_minus_acc_b2, neg_lr, eps;
} adam_args;

// Restrict parameters: the outputs never overlap the inputs (new tensors); saying so lets the
// compiler vectorise without run-time overlap checks.
static inline __attribute__((always_inline)) void adam_loop(int64_t begin, int64_t end, const float *restrict w, const float *restrict g,
                                                            const float *restrict m, const float *restrict v, float *restrict w_out,
                                                            float *restrict m_out, float *restrict v_out, float b1, float b2, float c1,
                                                            float c2, float acc1, float acc2, float neg_lr, float eps) {
  for (int64_t i = begin; i < end; i++) {
    const float gi = g[i];
    const float m1 = m[i] * b1 + gi * c1;
    const float v1 = v[i] * b2 + (gi * gi) * c2;
    const float bm = m1 / acc1;
    const float bv = v1 / acc2;
    m_out[i] = m1;
    v_out[i] = v1;
    w_out[i] = (bm / (sqrtf(bv) + eps)) * neg_lr + w[i];
  }
}

#define ADAM_CALL(a, begin, end)                                                                                                   \
  adam_loop(begin, end, a->w, a->g, a->m, a->v, a->w_out, a->m_out, a->v_out, a->b1, a->b2, a->one_minus_b1, a->one_minus_b2,      \
            a->one_minus_acc_b1, a->one_minus_acc_b2, a->neg_lr, a->eps)

static int adam_range_generic(const void *arg, int64_t begin, int64_t end, scratch *s) {
  (void)s;
  const adam_args *a = arg;
  ADAM_CALL(a, begin, end);
  return 1;
}

#ifdef FREQLAB_X86
__attribute__((target("avx2"))) static int adam_range_avx2(const void *arg, int64_t begin, int64_t end, scratch *s) {
  (void)s;
  const adam_args *a = arg;
  ADAM_CALL(a, begin, end);
  return 1;
}
#endif


// ---------------------------------------------------------------------------------------------
// Column sums out[j] = sum_i x[i][j] of a row-major rows x cols matrix (a Sum over the leading
// axes: the bias gradients). Each column is added up in row order in float32, as the backend's
// own Sum (after its transpose) does, so the result is the same; columns are split among threads.
// ---------------------------------------------------------------------------------------------
typedef struct {
  const float *x;
  float *out;
  int64_t rows, cols;
} colsum_args;

#define COLSUM_LOOP                                                      \
  float *restrict out = a->out;                                          \
  for (int64_t j = begin; j < end; j++) out[j] = 0;                      \
  for (int64_t i = 0; i < a->rows; i++) {                                \
    const float *restrict row = a->x + i * a->cols;                      \
    for (int64_t j = begin; j < end; j++) out[j] += row[j];              \
  }

static int colsum_range_generic(const void *arg, int64_t begin, int64_t end, scratch *s) {
  (void)s;
  const colsum_args *a = arg;
  COLSUM_LOOP
  return 1;
}

#ifdef FREQLAB_X86
__attribute__((target("avx2"))) static int colsum_range_avx2(const void *arg, int64_t begin, int64_t end, scratch *s) {
  (void)s;
  const colsum_args *a = arg;
  COLSUM_LOOP
  return 1;
}
#endif

// ---------------------------------------------------------------------------------------------
// Elementwise a op b (add, sub, mul, div) of float32 values, with b (or a) repeated along the
// leading axes: the bias and batch-norm broadcasts. One IEEE operation per value, as the backend
// does, so the same bits.
// ---------------------------------------------------------------------------------------------
enum binary_op { OP_ADD = 0, OP_SUB = 1, OP_MUL = 2, OP_DIV = 3 };

typedef struct {
  const float *a, *b;
  float *out;
  int64_t a_len, b_len, row;  // a_len, b_len: n or `row` (repeated) ; row divides n
  int op;
} binary_args;

#define BINARY_LOOP(EXPR)                                                                  \
  for (int64_t r = begin; r < end; r++) {                                                  \
    const float *restrict ar = a->a + (a->a_len == a->row ? 0 : r * a->row);               \
    const float *restrict br = a->b + (a->b_len == a->row ? 0 : r * a->row);               \
    float *restrict o = a->out + r * a->row;                                               \
    for (int64_t j = 0; j < a->row; j++) o[j] = EXPR;                                      \
  }

#define BINARY_RANGE(NAME, TARGET)                                                         \
  TARGET static int NAME(const void *arg, int64_t begin, int64_t end, scratch *s) {        \
    (void)s;                                                                               \
    const binary_args *a = arg;                                                            \
    switch (a->op) {                                                                       \
      case OP_ADD: BINARY_LOOP(ar[j] + br[j]) break;                                       \
      case OP_SUB: BINARY_LOOP(ar[j] - br[j]) break;                                       \
      case OP_MUL: BINARY_LOOP(ar[j] * br[j]) break;                                       \
      default: BINARY_LOOP(ar[j] / br[j]) break;                                           \
    }                                                                                      \
    return 1;                                                                              \
  }

BINARY_RANGE(binary_range_generic, )
#ifdef FREQLAB_X86
BINARY_RANGE(binary_range_avx2, __attribute__((target("avx2"))))
#endif

// ---------------------------------------------------------------------------------------------
// The input gradient of a convolution: col2im adds patch rows (patch m = (image, r, c) holding
// the values for x[image, r*sh - pt + kh*dh, c*sw - pl + kw*dw, ci] in (kh, kw, ci) order) back
// into an image gradient; positions outside the image are dropped.
// ---------------------------------------------------------------------------------------------
// Images [begin, end) of the gradient: zeroed, then every patch row of the image added back in
// patch order (a fixed order: the same sums whatever the thread count).
static int col2im_range(const void *arg, int64_t begin, int64_t end, scratch *s) {
  (void)s;
  const conv_geom *g = arg;
  const int64_t K = g->fh * g->fw * g->in_c, P = g->out_h * g->out_w, image = g->in_h * g->in_w * g->in_c;
  memset(g->dst + begin * image, 0, (size_t)((end - begin) * image) * sizeof(float));
  for (int64_t n = begin; n < end; n++)
    for (int64_t p = 0; p < P; p++) {
      const int64_t r = p / g->out_w, c = p % g->out_w;
      const float *row = g->src + (n * P + p) * K;
      for (int64_t kh = 0; kh < g->fh; kh++) {
        const int64_t ih = r * g->sh - g->pt + kh * g->dh;
        if (ih < 0 || ih >= g->in_h) continue;
        for (int64_t kw = 0; kw < g->fw; kw++) {
          const int64_t iw = c * g->sw - g->pl + kw * g->dw;
          if (iw < 0 || iw >= g->in_w) continue;
          float *restrict d = g->dst + ((n * g->in_h + ih) * g->in_w + iw) * g->in_c;
          const float *restrict v = row + (kh * g->fw + kw) * g->in_c;
          for (int64_t ci = 0; ci < g->in_c; ci++) d[ci] += v[ci];
        }
      }
    }
  return 1;
}

// ---------------------------------------------------------------------------------------------
// Node-API bindings
// ---------------------------------------------------------------------------------------------
#define CHECK(call)                                                   \
  if ((call) != napi_ok) {                                            \
    napi_throw_error(env, NULL, "freqlab kernels: bad arguments");    \
    return NULL;                                                      \
  }

static int arg_i64(napi_env env, napi_value v, int64_t *out) {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok || !(d >= 0) || d > 9007199254740991.0 || d != (double)(int64_t)d) return 0;
  *out = (int64_t)d;
  return 1;
}

// The memory's bytes: an ArrayBuffer (a WebAssembly.Memory's buffer) or a typed array.
static int arg_memory(napi_env env, napi_value v, uint8_t **data, size_t *length) {
  bool is;
  if (napi_is_arraybuffer(env, v, &is) == napi_ok && is) return napi_get_arraybuffer_info(env, v, (void **)data, length) == napi_ok;
  if (napi_is_typedarray(env, v, &is) == napi_ok && is) {
    napi_typedarray_type type;
    size_t count, offset;
    napi_value ab;
    void *p;
    if (napi_get_typedarray_info(env, v, &type, &count, &p, &ab, &offset) != napi_ok) return 0;
    size_t bytes_per = type == napi_float64_array || type == napi_bigint64_array || type == napi_biguint64_array ? 8
                       : type == napi_float32_array || type == napi_int32_array || type == napi_uint32_array ? 4
                       : type == napi_int16_array || type == napi_uint16_array ? 2
                       : 1;
    *data = p;
    *length = count * bytes_per;
    return 1;
  }
  return 0;
}

// Whether floats from byte offset `off` up to element index `last` lie inside `length` bytes
// (in double: an index past 2^53 is far outside any memory, so rounding cannot let one in).
static int inside(int64_t off, double last, size_t length) {
  return off % 4 == 0 && last >= 0 && (double)off + (last + 1) * 4 <= (double)length;
}

// Reads a call of `name`: exactly `expected` arguments, the memory first, then `count` whole
// numbers; throws and returns 0 on a bad one.
static int read_call(napi_env env, napi_callback_info info, const char *name, size_t expected, napi_value *argv, uint8_t **mem,
                     size_t *length, int64_t *whole, size_t count) {
  char message[160];
  size_t argc = expected;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != expected) {
    snprintf(message, sizeof message, "%s takes %zu arguments", name, expected);
    napi_throw_type_error(env, NULL, message);
    return 0;
  }
  if (!arg_memory(env, argv[0], mem, length)) {
    snprintf(message, sizeof message, "%s: the first argument must be an ArrayBuffer or a typed array", name);
    napi_throw_type_error(env, NULL, message);
    return 0;
  }
  for (size_t i = 0; i < count; i++)
    if (!arg_i64(env, argv[i + 1], &whole[i])) {
      snprintf(message, sizeof message, "%s: sizes, offsets and strides must be whole numbers >= 0 (argument %zu)", name, i + 2);
      napi_throw_range_error(env, NULL, message);
      return 0;
    }
  return 1;
}

// Throws a RangeError with `what`; returns NULL for the binding to return.
static napi_value throw_range(napi_env env, const char *what) {
  napi_throw_range_error(env, NULL, what);
  return NULL;
}

// sgemm(memory, m, n, k, batch, aOff, aBatch, ars, acs, bOff, bBatch, brs, bcs, cOff, cBatch):
// byte offsets; strides in floats; C rows have stride n.
static napi_value js_sgemm(napi_env env, napi_callback_info info) {
  napi_value argv[15];
  uint8_t *mem;
  size_t length;
  int64_t x[14];
  if (!read_call(env, info, "sgemm", 15, argv, &mem, &length, x, 14)) return NULL;
  const int64_t m = x[0], n = x[1], k = x[2], batch = x[3];
  const int64_t a_off = x[4], a_batch = x[5], ars = x[6], acs = x[7], b_off = x[8], b_batch = x[9], brs = x[10], bcs = x[11], c_off = x[12],
                c_batch = x[13];
  if (m > INT32_MAX || n > INT32_MAX || k > INT32_MAX) return throw_range(env, "sgemm: a dimension is too large");
  if (m == 0 || n == 0 || batch == 0) return NULL;
  const double b1 = (double)(batch - 1);
  const int ok_a = k == 0 || inside(a_off, b1 * a_batch + (double)(m - 1) * ars + (double)(k - 1) * acs, length);
  const int ok_b = k == 0 || inside(b_off, b1 * b_batch + (double)(k - 1) * brs + (double)(n - 1) * bcs, length);
  const int ok_c = inside(c_off, b1 * c_batch + (double)(m - 1) * n + (double)(n - 1), length);
  if (!ok_a || !ok_b || !ok_c) return throw_range(env, "sgemm: an operand lies outside the memory");
  for (int64_t i = 0; i < batch; i++) {
    gemm_args g = {
        .a = (const float *)(mem + a_off) + i * a_batch, .ars = ars, .acs = acs,
        .b = (const float *)(mem + b_off) + i * b_batch, .brs = brs, .bcs = bcs,
        .c = (float *)(mem + c_off) + i * c_batch, .ldc = n, .m = (int)m, .n = (int)n, .k = (int)k,
    };
    if (!gemm_run(&g)) {
      napi_throw_error(env, NULL, "sgemm: out of memory for the packed panels");
      return NULL;
    }
  }
  return NULL;
}

// adam(memory, n, wOff, gOff, mOff, vOff, wOutOff, mOutOff, vOutOff, b1, b2, 1-b1, 1-b2, 1-b1^t, 1-b2^t, -lr, eps)
static napi_value js_adam(napi_env env, napi_callback_info info) {
  napi_value argv[17];
  uint8_t *mem;
  size_t length;
  int64_t x[8];
  if (!read_call(env, info, "adam", 17, argv, &mem, &length, x, 8)) return NULL;
  double s[8];
  for (int i = 0; i < 8; i++) CHECK(napi_get_value_double(env, argv[i + 9], &s[i]));
  const int64_t n = x[0];
  if (n == 0) return NULL;
  for (int i = 1; i < 8; i++)
    if (!inside(x[i], (double)(n - 1), length)) return throw_range(env, "adam: an operand lies outside the memory");
  const float *base = (const float *)mem;
  const adam_args job = {
      .w = base + x[1] / 4, .g = base + x[2] / 4, .m = base + x[3] / 4, .v = base + x[4] / 4,
      .w_out = (float *)mem + x[5] / 4, .m_out = (float *)mem + x[6] / 4, .v_out = (float *)mem + x[7] / 4,
      .b1 = (float)s[0], .b2 = (float)s[1], .one_minus_b1 = (float)s[2], .one_minus_b2 = (float)s[3],
      .one_minus_acc_b1 = (float)s[4], .one_minus_acc_b2 = (float)s[5], .neg_lr = (float)s[6], .eps = (float)s[7],
  };
  // Memory-bound: worth a second thread from about 64 k values.
  pool_run(adam_range, &job, n, 4096, n >= 65536);
  return NULL;
}

// colsum(memory, rows, cols, xOff, outOff): out[j] = sum_i x[i][j].
static napi_value js_colsum(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  uint8_t *mem;
  size_t length;
  int64_t x[4];
  if (!read_call(env, info, "colsum", 5, argv, &mem, &length, x, 4)) return NULL;
  const int64_t rows = x[0], cols = x[1];
  if (cols == 0) return NULL;
  if (!inside(x[3], (double)(cols - 1), length) || (rows > 0 && !inside(x[2], (double)rows * cols - 1, length)))
    return throw_range(env, "colsum: an operand lies outside the memory");
  const colsum_args job = {.x = (const float *)(mem + x[2]), .out = (float *)(mem + x[3]), .rows = rows, .cols = cols};
  pool_run(colsum_range, &job, cols, 64, (double)rows * cols >= 262144);
  return NULL;
}

// Reads the geometry (count, inH, inW, inC, outH, outW, fh, fw, sh, sw, dh, dw, pt, pl) from
// x[2..15] and checks the two operands: the patch rows at x[0], the images at x[1].
static int conv_call(napi_env env, napi_callback_info info, const char *name, conv_geom *g, int64_t *count) {
  napi_value argv[17];
  uint8_t *mem;
  size_t length;
  int64_t x[16];
  if (!read_call(env, info, name, 17, argv, &mem, &length, x, 16)) return 0;
  *count = x[2];
  *g = (conv_geom){.in_h = x[3], .in_w = x[4], .in_c = x[5], .out_h = x[6], .out_w = x[7], .fh = x[8], .fw = x[9],
                   .sh = x[10], .sw = x[11], .dh = x[12], .dw = x[13], .pt = x[14], .pl = x[15]};
  if (g->sh < 1 || g->sw < 1 || g->dh < 1 || g->dw < 1) {
    napi_throw_range_error(env, NULL, "strides and dilations must be >= 1");
    return 0;
  }
  const double images = (double)*count * g->in_h * g->in_w * g->in_c;
  const double patches = (double)*count * g->out_h * g->out_w * g->fh * g->fw * g->in_c;
  const int64_t image_off = x[1], patch_off = x[0];
  if ((images > 0 && !inside(image_off, images - 1, length)) || (patches > 0 && !inside(patch_off, patches - 1, length))) {
    char message[96];
    snprintf(message, sizeof message, "%s: an operand lies outside the memory", name);
    napi_throw_range_error(env, NULL, message);
    return 0;
  }
  g->src = (const float *)(mem + x[0]);
  g->dst = (float *)(mem + x[1]);
  return 1;
}

// col2im(memory, patchesOff, dxOff, count, ...the same geometry): dx = the patches added back
static napi_value js_col2im(napi_env env, napi_callback_info info) {
  conv_geom g;
  int64_t count;
  if (!conv_call(env, info, "col2im", &g, &count)) return NULL;
  pool_run(col2im_range, &g, count, 1, count * g.out_h * g.out_w * g.fh * g.fw * g.in_c >= 262144);
  return NULL;
}

// conv2d(memory, xOff, bOff, outOff, count, inH, inW, inC, outH, outW, fh, fw, sh, sw, dh, dw, padTop, padLeft, co, transposed):
// transposed = 0: the forward convolution out (M x co) = patches . W (W at bOff, K x co);
// transposed = 1: the filter gradient out (K x co) = patches^T . dy (dy at bOff, M x co).
// The patches are read from the images while packing: no patch matrix is made.
static napi_value js_conv2d(napi_env env, napi_callback_info info) {
  napi_value argv[20];
  uint8_t *mem;
  size_t length;
  int64_t x[19];
  if (!read_call(env, info, "conv2d", 20, argv, &mem, &length, x, 19)) return NULL;
  const int64_t count = x[3], co = x[17], transposed = x[18];
  conv_geom g = {.in_h = x[4], .in_w = x[5], .in_c = x[6], .out_h = x[7], .out_w = x[8], .fh = x[9], .fw = x[10],
                 .sh = x[11], .sw = x[12], .dh = x[13], .dw = x[14], .pt = x[15], .pl = x[16]};
  if (g.sh < 1 || g.sw < 1 || g.dh < 1 || g.dw < 1 || transposed > 1) return throw_range(env, "conv2d: strides and dilations must be >= 1, transposed 0 or 1");
  const int64_t M = count * g.out_h * g.out_w, K = g.fh * g.fw * g.in_c;
  if (M > INT32_MAX || K > INT32_MAX || co > INT32_MAX) return throw_range(env, "conv2d: a dimension is too large");
  const double images = (double)count * g.in_h * g.in_w * g.in_c;
  const double b_size = transposed ? (double)M * co : (double)K * co, out_size = transposed ? (double)K * co : (double)M * co;
  if ((images > 0 && !inside(x[0], images - 1, length)) || (b_size > 0 && !inside(x[1], b_size - 1, length)) ||
      (out_size > 0 && !inside(x[2], out_size - 1, length)))
    return throw_range(env, "conv2d: an operand lies outside the memory");
  if (out_size == 0) return NULL;
  g.src = (const float *)(mem + x[0]);
  gemm_args ga = {.b = (const float *)(mem + x[1]), .brs = co, .bcs = 1, .c = (float *)(mem + x[2]), .ldc = co, .n = (int)co, .conv = &g};
  if (transposed) {
    ga.m = (int)K, ga.k = (int)M, ga.a_source = A_PATCHES_T;
  } else {
    ga.m = (int)M, ga.k = (int)K, ga.a_source = A_PATCHES;
  }
  if (!gemm_run(&ga)) {
    napi_throw_error(env, NULL, "conv2d: out of memory for the packed panels");
    return NULL;
  }
  return NULL;
}

// binary(memory, op, aOff, aLen, bOff, bLen, outOff, n): out[i] = a[i % aLen] op b[i % bLen] for
// i < n, where aLen and bLen are n or a common row length that divides n (op: 0 add, 1 sub,
// 2 mul, 3 div).
static napi_value js_binary(napi_env env, napi_callback_info info) {
  napi_value argv[8];
  uint8_t *mem;
  size_t length;
  int64_t x[7];
  if (!read_call(env, info, "binary", 8, argv, &mem, &length, x, 7)) return NULL;
  const int64_t op = x[0], a_len = x[2], b_len = x[4], n = x[6];
  if (op > OP_DIV) return throw_range(env, "binary: op must be 0 (add), 1 (sub), 2 (mul) or 3 (div)");
  if (n == 0) return NULL;
  const int64_t row = a_len < b_len ? a_len : b_len;
  if (row == 0 || n % row != 0 || (a_len != n && a_len != row) || (b_len != n && b_len != row))
    return throw_range(env, "binary: each operand must have n values or one row that divides n");
  if (!inside(x[1], (double)a_len - 1, length) || !inside(x[3], (double)b_len - 1, length) || !inside(x[5], (double)n - 1, length))
    return throw_range(env, "binary: an operand lies outside the memory");
  // Threads split whole rows, at least 4096 values per share.
  const binary_args job = {.a = (const float *)(mem + x[1]), .b = (const float *)(mem + x[3]), .out = (float *)(mem + x[5]),
                           .a_len = a_len, .b_len = b_len, .row = row, .op = (int)op};
  pool_run(binary_range, &job, n / row, (row >= 4096 ? 1 : 4096 / row), n >= 262144);
  return NULL;
}

// setThreads(t): threads for one product, the caller included (1..64).
static napi_value js_set_threads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int64_t t;
  if (argc != 1 || !arg_i64(env, argv[0], &t) || t < 1 || t > MAX_THREADS) {
    napi_throw_range_error(env, NULL, "setThreads: a whole number from 1 to 64");
    return NULL;
  }
  pthread_mutex_lock(&pool_busy);
  pool_threads = (int)t;
  pthread_mutex_unlock(&pool_busy);
  return NULL;
}

// info(): { isa, threads }
static napi_value js_info(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value obj, v;
  CHECK(napi_create_object(env, &obj));
  CHECK(napi_create_string_utf8(env, isa, NAPI_AUTO_LENGTH, &v));
  CHECK(napi_set_named_property(env, obj, "isa", v));
  CHECK(napi_create_int32(env, pool_threads, &v));
  CHECK(napi_set_named_property(env, obj, "threads", v));
  return obj;
}

static pthread_once_t isa_once = PTHREAD_ONCE_INIT;

// Keeps this library loaded for the life of the process (also where the linker flag -z nodelete
// is not available): Node unloads an addon when the last worker thread that loaded it exits, but
// the pool's threads outlive that worker.
static void pin_library(void) {
  Dl_info self;
  if (dladdr((void *)pin_library, &self) && self.dli_fname) dlopen(self.dli_fname, RTLD_NOW | RTLD_NODELETE);
}

static void init_once(void) {
  pin_library();
  choose_isa();
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  pthread_once(&isa_once, init_once);
  const napi_property_descriptor props[] = {
      {"sgemm", NULL, js_sgemm, NULL, NULL, NULL, napi_default, NULL},
      {"adam", NULL, js_adam, NULL, NULL, NULL, napi_default, NULL},
      {"colsum", NULL, js_colsum, NULL, NULL, NULL, napi_default, NULL},
      {"binary", NULL, js_binary, NULL, NULL, NULL, napi_default, NULL},
      {"conv2d", NULL, js_conv2d, NULL, NULL, NULL, napi_default, NULL},
      {"col2im", NULL, js_col2im, NULL, NULL, NULL, napi_default, NULL},
      {"setThreads", NULL, js_set_threads, NULL, NULL, NULL, napi_default, NULL},
      {"info", NULL, js_info, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}
