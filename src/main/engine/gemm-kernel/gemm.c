// Single-precision matrix product for the tfjs wasm backend (wasm-kernels.ts), compiled to
// WebAssembly with 128-bit SIMD (build.sh): C[m][n] = sum_t A(i, t) B(t, j), where A(i, t) is
// a[i * ai + t * at] (so a transposed A is just other strides) and B is row-major [k][n].
// The caller packs a transposed B into that layout first (packTranspose).
//
// The module runs inside the tfjs backend's own memory (imported), on the tensors where they
// are: it must not use the stack or have data segments, which would overwrite tfjs's data.
// Scratch memory comes from the backend's malloc.
#include <wasm_simd128.h>
#include <stdint.h>

typedef v128_t v4;
#define EXPORT(name) __attribute__((export_name(#name)))

// Rows of A per micro-tile and the k-block that keeps a strip of B (KC x 8 floats) in L1.
#define MR 4
#define KC 384

// dst[j][i] = src[i][j] for a rows x cols source (so dst is cols x rows).
EXPORT(pack_transpose)
void pack_transpose(const float *src, int rows, int cols, float *dst) {
  const int BS = 32;
  for (int i0 = 0; i0 < rows; i0 += BS)
    for (int j0 = 0; j0 < cols; j0 += BS) {
      const int i1 = i0 + BS < rows ? i0 + BS : rows, j1 = j0 + BS < cols ? j0 + BS : cols;
      for (int i = i0; i < i1; i++)
        for (int j = j0; j < j1; j++) dst[(int64_t)j * rows + i] = src[(int64_t)i * cols + j];
    }
}

// C rows i0..i0+mr (mr <= 4), columns j0..j0+8, k range t0..t1; accumulate when `add`.
static inline void tile8(const float *a, int ai, int at, const float *b, int n, float *c, int i0, int mr, int j0, int t0, int t1,
                         int add) {
  v4 c00 = wasm_f32x4_splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  const float *a0 = a + (int64_t)i0 * ai;
  const float *a1 = mr > 1 ? a0 + ai : a0, *a2 = mr > 2 ? a0 + 2 * (int64_t)ai : a0, *a3 = mr > 3 ? a0 + 3 * (int64_t)ai : a0;
  const float *bp = b + (int64_t)t0 * n + j0;
  for (int t = t0; t < t1; t++, bp += n) {
    const v4 b0 = wasm_v128_load(bp), b1 = wasm_v128_load(bp + 4);
    const int64_t o = (int64_t)t * at;
    v4 x = wasm_v128_load32_splat(a0 + o);
    c00 = wasm_f32x4_add(c00, wasm_f32x4_mul(x, b0));
    c01 = wasm_f32x4_add(c01, wasm_f32x4_mul(x, b1));
    x = wasm_v128_load32_splat(a1 + o);
    c10 = wasm_f32x4_add(c10, wasm_f32x4_mul(x, b0));
    c11 = wasm_f32x4_add(c11, wasm_f32x4_mul(x, b1));
    x = wasm_v128_load32_splat(a2 + o);
    c20 = wasm_f32x4_add(c20, wasm_f32x4_mul(x, b0));
    c21 = wasm_f32x4_add(c21, wasm_f32x4_mul(x, b1));
    x = wasm_v128_load32_splat(a3 + o);
    c30 = wasm_f32x4_add(c30, wasm_f32x4_mul(x, b0));
    c31 = wasm_f32x4_add(c31, wasm_f32x4_mul(x, b1));
  }
  float *r = c + (int64_t)i0 * n + j0;
#define STORE(row, v0, v1)                                                                  \
  if (mr > row) {                                                                           \
    float *q = r + (int64_t)(row) * n;                                                      \
    if (add) {                                                                              \
      v0 = wasm_f32x4_add(v0, wasm_v128_load(q));                                           \
      v1 = wasm_f32x4_add(v1, wasm_v128_load(q + 4));                                       \
    }                                                                                       \
    wasm_v128_store(q, v0);                                                                 \
    wasm_v128_store(q + 4, v1);                                                             \
  }
  STORE(0, c00, c01) STORE(1, c10, c11) STORE(2, c20, c21) STORE(3, c30, c31)
#undef STORE
}

// Columns j0..n (fewer than 8) of C rows i0..i0+mr, one column at a time.
static inline void tileNarrow(const float *a, int ai, int at, const float *b, int n, float *c, int i0, int mr, int j0, int t0,
                              int t1, int add) {
  for (int i = i0; i < i0 + mr; i++)
    for (int j = j0; j < n; j++) {
      float s = add ? c[(int64_t)i * n + j] : 0.0f;
      const float *ap = a + (int64_t)i * ai;
      for (int t = t0; t < t1; t++) s += ap[(int64_t)t * at] * b[(int64_t)t * n + j];
      c[(int64_t)i * n + j] = s;
    }
}

// dst[r] = src row idx[r] for r < count, rows of rowBytes bytes (a gather along the first axis).
// Returns the first index outside 0..rows-1, or -1 when all are valid (nothing is copied then).
EXPORT(gather_rows)
int gather_rows(const char *src, int rows, int rowBytes, const int32_t *idx, int count, char *dst) {
  for (int r = 0; r < count; r++)
    if (idx[r] < 0 || idx[r] >= rows) return r;
  for (int r = 0; r < count; r++) __builtin_memcpy(dst + (int64_t)r * rowBytes, src + (int64_t)idx[r] * rowBytes, rowBytes);
  return -1;
}

// 2^t for t in [-126, 0] (degree-5 minimax of 2^f on [-1/2, 1/2], relative error below 3e-7).
static inline v4 exp2_neg(v4 t) {
  const v4 magic = wasm_f32x4_splat(12582912.0f); // 1.5 * 2^23: adding it rounds to an integer
  v4 nb = wasm_f32x4_add(t, magic);
  v4 f = wasm_f32x4_sub(t, wasm_f32x4_sub(nb, magic));
  v4 p = wasm_f32x4_splat(0.001327647129073739f);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, f), wasm_f32x4_splat(0.009675540961325169f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, f), wasm_f32x4_splat(0.05550713092088699f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, f), wasm_f32x4_splat(0.24022120237350464f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, f), wasm_f32x4_splat(0.6931469440460205f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, f), wasm_f32x4_splat(1.0000001192092896f));
  return wasm_i32x4_add(p, wasm_i32x4_shl(nb, 23));
}

// tanh of 4 floats: x + x^3 P(x^2) for |x| < 0.625 (Cephes tanhf), 1 - 2 / (e^{2|x|} + 1) with
// the sign of x above (|x| clamped at 9, where tanh is 1 in float32). NaN stays NaN.
static inline v4 tanh4(v4 x) {
  const v4 sign = wasm_v128_and(x, wasm_i32x4_splat((int)0x80000000));
  const v4 ax = wasm_f32x4_abs(x);
  const v4 z = wasm_f32x4_mul(x, x);
  v4 p = wasm_f32x4_splat(-5.70498872745e-3f);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, z), wasm_f32x4_splat(2.06390887954e-2f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, z), wasm_f32x4_splat(-5.37397155531e-2f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, z), wasm_f32x4_splat(1.33314422036e-1f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, z), wasm_f32x4_splat(-3.33332819422e-1f));
  const v4 small = wasm_v128_or(wasm_f32x4_add(ax, wasm_f32x4_mul(wasm_f32x4_mul(p, z), ax)), sign); // odd: sign of x, -0 kept
  // e^{-2|x|} = 2^{-2|x| log2(e)}; tanh|x| = (1 - e) / (1 + e)
  const v4 c = wasm_f32x4_pmin(ax, wasm_f32x4_splat(9.0f));
  const v4 e = exp2_neg(wasm_f32x4_mul(c, wasm_f32x4_splat(-2.8853900817779268f)));
  const v4 one = wasm_f32x4_splat(1.0f);
  const v4 large = wasm_v128_or(wasm_f32x4_div(wasm_f32x4_sub(one, e), wasm_f32x4_add(one, e)), sign);
  const v4 useSmall = wasm_f32x4_lt(ax, wasm_f32x4_splat(0.625f));
  const v4 r = wasm_v128_bitselect(small, large, useSmall);
  // NaN: |x| < 0.625 is false and pmin keeps the NaN, so e and the result are NaN already
  return r;
}

// out[i] = tanh(x[i]) for i < n.
EXPORT(tanh_f32)
void tanh_f32(const float *x, int n, float *out) {
  int i = 0;
  for (; i + 4 <= n; i += 4) wasm_v128_store(out + i, tanh4(wasm_v128_load(x + i)));
  if (i < n) {
    // the last 1-3 values through a padded vector, lane by lane
    v4 v = wasm_f32x4_splat(0.0f);
    if (i < n) v = wasm_f32x4_replace_lane(v, 0, x[i]);
    if (i + 1 < n) v = wasm_f32x4_replace_lane(v, 1, x[i + 1]);
    if (i + 2 < n) v = wasm_f32x4_replace_lane(v, 2, x[i + 2]);
    v4 r = tanh4(v);
    out[i] = wasm_f32x4_extract_lane(r, 0);
    if (i + 1 < n) out[i + 1] = wasm_f32x4_extract_lane(r, 1);
    if (i + 2 < n) out[i + 2] = wasm_f32x4_extract_lane(r, 2);
  }
}

// C = A B with A(i, t) = a[i * ai + t * at] (m x k), B row-major k x n, C row-major m x n.
EXPORT(gemm)
void gemm(const float *a, int ai, int at, const float *b, float *c, int m, int k, int n) {
  if (k == 0) {
    for (int64_t i = 0; i < (int64_t)m * n; i++) c[i] = 0.0f;
    return;
  }
  const int n8 = n & ~7;
  for (int t0 = 0; t0 < k; t0 += KC) {
    const int t1 = t0 + KC < k ? t0 + KC : k, add = t0 > 0;
    for (int j0 = 0; j0 < n8; j0 += 8)
      for (int i0 = 0; i0 < m; i0 += MR) tile8(a, ai, at, b, n, c, i0, m - i0 < MR ? m - i0 : MR, j0, t0, t1, add);
    if (n8 < n)
      for (int i0 = 0; i0 < m; i0 += MR) tileNarrow(a, ai, at, b, n, c, i0, m - i0 < MR ? m - i0 : MR, n8, t0, t1, add);
  }
}
