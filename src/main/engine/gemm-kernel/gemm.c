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
