// Fused Gaussian-filter kernel for the low frequency ratio (method.md section 1), compiled to
// WebAssembly with 128-bit SIMD (build.sh). One call handles one tile of the symmetric n x n
// problem: rows i0..i0+ti and columns j0..j0+tj of the samples, which the host has sorted by the
// value of their target (the "group", e.g. the class) and padded so that every aligned quad of
// four samples belongs to one group. For every k it adds
//   S[k][i][g] += sum_{j in tile, group(j) = g} exp(-k |x_i - x_j|^2 / 2)
// and, for an off-diagonal tile (symmetric), the same sums with rows and columns swapped, so each
// unordered pair {i, j} costs one exp per k. Nothing is kept per k beyond the tile: the n x n
// kernel is never formed.
//
// No stack memory is used (no address-taken locals): several instances may run at once.
#include <wasm_simd128.h>
#include <stdint.h>

typedef v128_t v4;

#define EXPORT(name) __attribute__((export_name(#name)))

static inline float hsum(v4 a) {
  v4 b = wasm_f32x4_add(a, wasm_i32x4_shuffle(a, a, 2, 3, 0, 1));
  b = wasm_f32x4_add(b, wasm_i32x4_shuffle(b, b, 1, 0, 3, 2));
  return wasm_f32x4_extract_lane(b, 0);
}

// 2^t for t <= 0, relative error below 3e-7 (degree-5 minimax of 2^f on [-1/2, 1/2]);
// t is clamped at -125 (results below 2^-125 ~ 2.4e-38 come out as about that value).
static inline v4 exp2_neg(v4 t) {
  const v4 magic = wasm_f32x4_splat(12582912.0f);  // 1.5 * 2^23: adding it rounds to an integer
  t = wasm_f32x4_max(t, wasm_f32x4_splat(-125.0f));
  v4 nb = wasm_f32x4_add(t, magic);
  v4 n = wasm_f32x4_sub(nb, magic);
  v4 f = wasm_f32x4_sub(t, n);  // exact, |f| <= 1/2
  v4 p = wasm_f32x4_splat(0.001327647129073739f);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, f), wasm_f32x4_splat(0.009675540961325169f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, f), wasm_f32x4_splat(0.05550713092088699f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, f), wasm_f32x4_splat(0.24022120237350464f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, f), wasm_f32x4_splat(0.6931469440460205f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, f), wasm_f32x4_splat(1.0000001192092896f));
  // the low bits of nb hold n: shifting them into the exponent field multiplies by 2^n
  return wasm_i32x4_add(p, wasm_i32x4_shl(nb, 23));
}

// D[a][b] = max(0, |x_i|^2 + |x_j|^2 - 2 x_i . x_j) for i = i0 + a, j = j0 + b (row-major, tj wide);
// exactly 0 where i == j. X is row-major with dp (a multiple of 4) floats per row.
static void distances(const float *X, int dp, const float *norms, int i0, int ti, int j0, int tj, float *D) {
  for (int a = 0; a < ti; a += 4) {
    const float *x0 = X + (int64_t)(i0 + a) * dp;
    const float *x1 = x0 + dp, *x2 = x1 + dp, *x3 = x2 + dp;
    for (int b = 0; b < tj; b += 2) {
      const float *y0 = X + (int64_t)(j0 + b) * dp;
      const float *y1 = y0 + dp;
      v4 s00 = wasm_f32x4_splat(0), s01 = s00, s10 = s00, s11 = s00, s20 = s00, s21 = s00, s30 = s00, s31 = s00;
      for (int t = 0; t < dp; t += 4) {
        v4 u0 = wasm_v128_load(y0 + t), u1 = wasm_v128_load(y1 + t);
        v4 w = wasm_v128_load(x0 + t);
        s00 = wasm_f32x4_add(s00, wasm_f32x4_mul(w, u0));
        s01 = wasm_f32x4_add(s01, wasm_f32x4_mul(w, u1));
        w = wasm_v128_load(x1 + t);
        s10 = wasm_f32x4_add(s10, wasm_f32x4_mul(w, u0));
        s11 = wasm_f32x4_add(s11, wasm_f32x4_mul(w, u1));
        w = wasm_v128_load(x2 + t);
        s20 = wasm_f32x4_add(s20, wasm_f32x4_mul(w, u0));
        s21 = wasm_f32x4_add(s21, wasm_f32x4_mul(w, u1));
        w = wasm_v128_load(x3 + t);
        s30 = wasm_f32x4_add(s30, wasm_f32x4_mul(w, u0));
        s31 = wasm_f32x4_add(s31, wasm_f32x4_mul(w, u1));
      }
      const float nj0 = norms[j0 + b], nj1 = norms[j0 + b + 1];
      float *d0 = D + a * tj + b;
      const float ni0 = norms[i0 + a], ni1 = norms[i0 + a + 1], ni2 = norms[i0 + a + 2], ni3 = norms[i0 + a + 3];
      float v;
#define DIST(row, col, s, ni, nj)                                  \
  v = (ni + nj) - 2.0f * hsum(s);                                  \
  d0[(row) * tj + (col)] = (i0 + a + (row) == j0 + b + (col)) ? 0.0f : (v > 0.0f ? v : 0.0f);
      DIST(0, 0, s00, ni0, nj0) DIST(0, 1, s01, ni0, nj1)
      DIST(1, 0, s10, ni1, nj0) DIST(1, 1, s11, ni1, nj1)
      DIST(2, 0, s20, ni2, nj0) DIST(2, 1, s21, ni2, nj1)
      DIST(3, 0, s30, ni3, nj0) DIST(3, 1, s31, ni3, nj1)
#undef DIST
    }
  }
}

// Runs of equal group among the column quads of the tile: segStart/segEnd in quads, segGroup.
static int segments(const int32_t *quadGroup, int q0, int nq, int32_t *seg) {
  int count = 0;
  for (int q = 0; q < nq;) {
    int g = quadGroup[q0 + q], e = q + 1;
    while (e < nq && quadGroup[q0 + e] == g) e++;
    seg[3 * count] = q;
    seg[3 * count + 1] = e;
    seg[3 * count + 2] = g;
    count++;
    q = e;
  }
  return count;
}

// One tile. ck[k] = -k/2 * log2(e) (float). S is [K][np][G] float64. scratch: ti*tj + ti*G +
// G*tj floats + 3*(tj/4) ints. symmetric: also add the column sums (off-diagonal tiles).
EXPORT(lfr_tile)
void lfr_tile(const float *X, int dp, const float *norms, const int32_t *quadGroup, const float *ck, int K, int G, int np,
              double *S, float *scratch, int i0, int ti, int j0, int tj, int symmetric) {
  float *D = scratch;
  float *rowSum = D + ti * tj;   // [ti][G]
  float *colSum = rowSum + ti * G; // [G][tj]
  int32_t *seg = (int32_t *)(colSum + G * tj);
  distances(X, dp, norms, i0, ti, j0, tj, D);
  const int nseg = segments(quadGroup, j0 >> 2, tj >> 2, seg);
  for (int k = 0; k < K; k++) {
    const v4 c = wasm_f32x4_splat(ck[k]);
    for (int a = 0; a < ti * G; a++) rowSum[a] = 0.0f;
    if (symmetric)
      for (int a = 0; a < G * tj; a++) colSum[a] = 0.0f;
    for (int a = 0; a < ti; a += 4) {
      const float *d0 = D + a * tj, *d1 = d0 + tj, *d2 = d1 + tj, *d3 = d2 + tj;
      float *col = colSum + quadGroup[(i0 + a) >> 2] * tj;
      float *row = rowSum + a * G;
      for (int s = 0; s < nseg; s++) {
        const int e = seg[3 * s + 1] * 4, g = seg[3 * s + 2];
        v4 r0 = wasm_f32x4_splat(0), r1 = r0, r2 = r0, r3 = r0;
        if (symmetric) {
          for (int b = seg[3 * s] * 4; b < e; b += 4) {
            v4 g0 = exp2_neg(wasm_f32x4_mul(wasm_v128_load(d0 + b), c));
            v4 g1 = exp2_neg(wasm_f32x4_mul(wasm_v128_load(d1 + b), c));
            v4 g2 = exp2_neg(wasm_f32x4_mul(wasm_v128_load(d2 + b), c));
            v4 g3 = exp2_neg(wasm_f32x4_mul(wasm_v128_load(d3 + b), c));
            r0 = wasm_f32x4_add(r0, g0);
            r1 = wasm_f32x4_add(r1, g1);
            r2 = wasm_f32x4_add(r2, g2);
            r3 = wasm_f32x4_add(r3, g3);
            v4 cs = wasm_f32x4_add(wasm_f32x4_add(g0, g1), wasm_f32x4_add(g2, g3));
            wasm_v128_store(col + b, wasm_f32x4_add(wasm_v128_load(col + b), cs));
          }
        } else {
          for (int b = seg[3 * s] * 4; b < e; b += 4) {
            r0 = wasm_f32x4_add(r0, exp2_neg(wasm_f32x4_mul(wasm_v128_load(d0 + b), c)));
            r1 = wasm_f32x4_add(r1, exp2_neg(wasm_f32x4_mul(wasm_v128_load(d1 + b), c)));
            r2 = wasm_f32x4_add(r2, exp2_neg(wasm_f32x4_mul(wasm_v128_load(d2 + b), c)));
            r3 = wasm_f32x4_add(r3, exp2_neg(wasm_f32x4_mul(wasm_v128_load(d3 + b), c)));
          }
        }
        row[g] += hsum(r0);
        row[G + g] += hsum(r1);
        row[2 * G + g] += hsum(r2);
        row[3 * G + g] += hsum(r3);
      }
    }
    double *Sk = S + (int64_t)k * np * G;
    for (int a = 0; a < ti; a++)
      for (int g = 0; g < G; g++) Sk[(int64_t)(i0 + a) * G + g] += rowSum[a * G + g];
    if (symmetric)
      for (int g = 0; g < G; g++)
        for (int b = 0; b < tj; b++) Sk[(int64_t)(j0 + b) * G + g] += colSum[g * tj + b];
  }
}
