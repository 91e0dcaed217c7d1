// PROTOTYPE (bench/prototypes, not used by the app): idea (a) of issue 5, kernel values of
// k_{j+s} = 2 k_j by squaring those of k_j (chains of at most `depth` squarings), on top of the
// app's kernel (src/main/engine/lfr-kernel/lfr.c). octave = 0: every k by exp, as the app does.
//
// Fused Gaussian-filter kernel for the low frequency ratio (method.md section 1), compiled to
// WebAssembly with 128-bit SIMD (build.sh). One call handles one tile of the symmetric n x n
// problem: rows i0..i0+ti and columns j0..j0+tj of the samples, which the host has sorted by the
// value of their target (the "group", e.g. the class) and padded so that every aligned quad of
// four samples belongs to one group. For every k it adds
//   S[k][g][i] += sum_{j in tile, group(j) = g} exp(-k |x_i - x_j|^2 / 2)
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
  t = wasm_f32x4_pmax(t, wasm_f32x4_splat(-125.0f)); // pmax: one maxps (max is several instructions in V8)
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

// Runs of equal group among `nq` quads from quad q0: seg[3s] = first quad, seg[3s+1] = end quad
// (relative to q0), seg[3s+2] = group. Returns the number of runs.
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

// Sum of each of four vectors, as one vector (h(a), h(b), h(c), h(d)).
static inline v4 hsum4(v4 a, v4 b, v4 c, v4 d) {
  v4 ab0 = wasm_i32x4_shuffle(a, b, 0, 4, 1, 5), ab1 = wasm_i32x4_shuffle(a, b, 2, 6, 3, 7);
  v4 cd0 = wasm_i32x4_shuffle(c, d, 0, 4, 1, 5), cd1 = wasm_i32x4_shuffle(c, d, 2, 6, 3, 7);
  v4 ab = wasm_f32x4_add(ab0, ab1);  // a0+a2 b0+b2 a1+a3 b1+b3
  v4 cd = wasm_f32x4_add(cd0, cd1);
  v4 lo = wasm_i32x4_shuffle(ab, cd, 0, 1, 4, 5), hi = wasm_i32x4_shuffle(ab, cd, 2, 3, 6, 7);
  return wasm_f32x4_add(lo, hi);
}

// Kernel values below 2^PRUNE_LOG2 (about 9e-13) are left out: a 4 x 4 block of pairs whose
// smallest distance gives exp(-k d / 2) below that is skipped for that k and every larger k.
// Every row sum has the diagonal term 1, so n skipped values change a ratio by at most n * 9e-13
// (1e-8 at n = 10000), far below float32 rounding.
#define PRUNE_LOG2 (-40.0f)

// Bytes of scratch memory lfr_tile needs for tiles of at most `tile` x `tile`.
EXPORT(lfr_scratch_bytes)
int lfr_scratch_bytes(int tile) {
  const int q = tile / 4;
  return 4 * (2 * tile * tile + 2 * q * tile + 6 * q + 8 + 3 * q * q);
}

// Number of leading k (ck sorted descending: k ascending) whose kernel value at distance m is
// at least 2^PRUNE_LOG2, i.e. ck[k] * m >= PRUNE_LOG2.
static int aliveCount(const float *ck, int K, float m) {
  if (!(m > 0.0f)) return m == 0.0f ? K : 0; // NaN never reaches here (the host checks)
  const float cut = PRUNE_LOG2 / m;
  int lo = 0, hi = K; // ck[lo..) unknown; answer in [lo, hi]
  while (lo < hi) {
    int mid = (lo + hi) >> 1;
    if (ck[mid] >= cut) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// One tile. ck[k] = -k/2 * log2(e) as a float, k ascending (ck descending). S is [K][G][np]
// float64: S[k][g][i] is the sum of the kernel over the samples j of group g for row i.
// scratch: lfr_scratch_bytes(max(ti, tj)). symmetric: also add the column sums (off-diagonal
// tiles); a diagonal tile (i0 == j0, ti == tj) is computed in full with row sums only, so each
// ordered pair is counted once either way.
EXPORT(lfr_tile)
void lfr_tile(const float *X, int dp, const float *norms, const int32_t *quadGroup, const float *ck, int K, int G, int np,
              double *S, float *scratch, int i0, int ti, int j0, int tj, int symmetric, int octave, int depth) {
  const int tile = ti > tj ? ti : tj, q = tile / 4, nqi = ti >> 2, nqj = tj >> 2;
  float *D = scratch;
  float *rowSum = D + tile * tile;         // [column segment][ti]
  float *colSum = rowSum + q * tile;       // [row segment][tj]
  int32_t *colSeg = (int32_t *)(colSum + q * tile);
  int32_t *rowSeg = colSeg + 3 * q + 4;
  int32_t *vecList = rowSeg + 3 * q + 4;   // [row quad][column quad]: column quads, per segment by alive count
  int32_t *aliveList = vecList + q * q;    // alive count of each entry of vecList
  int32_t *alive = aliveList + q * q;      // [row quad][column segment]: how many of the segment's quads are alive
  distances(X, dp, norms, i0, ti, j0, tj, D);
  const int ncs = segments(quadGroup, j0 >> 2, nqj, colSeg);
  const int nrs = symmetric ? segments(quadGroup, i0 >> 2, nqi, rowSeg) : 0;

  // For each 4 x 4 block: how many k keep it, and per row quad and segment the column quads
  // sorted by that count (descending), so the quads alive at k are a prefix.
  for (int a = 0; a < nqi; a++) {
    const float *d = D + 4 * a * tj;
    for (int s = 0; s < ncs; s++) {
      const int p0 = colSeg[3 * s], p1 = colSeg[3 * s + 1];
      int32_t *vl = vecList + a * nqj, *al = aliveList + a * nqj;
      for (int p = p0; p < p1; p++) {
        v4 m = wasm_f32x4_pmin(wasm_f32x4_pmin(wasm_v128_load(d + 4 * p), wasm_v128_load(d + tj + 4 * p)),
                              wasm_f32x4_pmin(wasm_v128_load(d + 2 * tj + 4 * p), wasm_v128_load(d + 3 * tj + 4 * p)));
        m = wasm_f32x4_pmin(m, wasm_i32x4_shuffle(m, m, 2, 3, 0, 1));
        m = wasm_f32x4_pmin(m, wasm_i32x4_shuffle(m, m, 1, 0, 3, 2));
        const int count = aliveCount(ck, K, wasm_f32x4_extract_lane(m, 0));
        int at = p; // insertion sort, descending count
        while (at > p0 && al[at - 1] < count) {
          al[at] = al[at - 1];
          vl[at] = vl[at - 1];
          at--;
        }
        al[at] = count;
        vl[at] = p;
      }
      alive[a * ncs + s] = p1 - p0;
    }
  }

  // Visit order: chains j, j+s, j+2s, ... of at most `depth` squarings after each exp.
  float *Gbuf = (float *)(alive + q * q);
  const int visits = octave <= 0 ? K : ((K + octave * (depth + 1) - 1) / (octave * (depth + 1))) * octave * (depth + 1);
  for (int visit = 0; visit < visits; visit++) {
    int k, squared;
    if (octave <= 0) { k = visit; squared = 0; }
    else {
      // visit -> (base chain start, position): chains of length depth+1 within residues mod s
      const int per = depth + 1, s = octave;
      // group of s*per consecutive k values [g*s*per, (g+1)*s*per): residue r, step m
      const int gsz = s * per, g = visit / gsz, w = visit % gsz, r = w / per, m = w % per;
      k = g * gsz + m * s + r;
      squared = m > 0;
      if (k >= K) { continue; }
    }
    const v4 c = wasm_f32x4_splat(ck[k]);
    for (int a = 0; a < ncs * ti; a++) rowSum[a] = 0.0f;
    for (int a = 0; a < nrs * tj; a++) colSum[a] = 0.0f;
    int rs = 0;
    for (int a = 0; a < ti; a += 4) {
      const float *d0 = D + a * tj, *d1 = d0 + tj, *d2 = d1 + tj, *d3 = d2 + tj;
      float *e0 = Gbuf + a * tj, *e1 = e0 + tj, *e2 = e1 + tj, *e3 = e2 + tj;
      if (symmetric && a >= rowSeg[3 * rs + 1] * 4) rs++;
      float *col = colSum + rs * tj;
      const int32_t *vl = vecList + (a >> 2) * nqj, *al = aliveList + (a >> 2) * nqj;
      for (int s = 0; s < ncs; s++) {
        const int p0 = colSeg[3 * s];
        int len = colSeg[3 * s + 1] - p0;
        while (len > 0 && al[p0 + len - 1] <= k) len--;
        if (len == 0) continue;
        v4 r0 = wasm_f32x4_splat(0), r1 = r0, r2 = r0, r3 = r0;
        for (int p = p0; p < p0 + len; p++) {
          const int b = 4 * vl[p];
          v4 g0, g1, g2, g3;
          if (squared) {
            g0 = wasm_v128_load(e0 + b); g0 = wasm_f32x4_mul(g0, g0);
            g1 = wasm_v128_load(e1 + b); g1 = wasm_f32x4_mul(g1, g1);
            g2 = wasm_v128_load(e2 + b); g2 = wasm_f32x4_mul(g2, g2);
            g3 = wasm_v128_load(e3 + b); g3 = wasm_f32x4_mul(g3, g3);
          } else {
            g0 = exp2_neg(wasm_f32x4_mul(wasm_v128_load(d0 + b), c));
            g1 = exp2_neg(wasm_f32x4_mul(wasm_v128_load(d1 + b), c));
            g2 = exp2_neg(wasm_f32x4_mul(wasm_v128_load(d2 + b), c));
            g3 = exp2_neg(wasm_f32x4_mul(wasm_v128_load(d3 + b), c));
          }
          if (octave > 0) {
            wasm_v128_store(e0 + b, g0); wasm_v128_store(e1 + b, g1);
            wasm_v128_store(e2 + b, g2); wasm_v128_store(e3 + b, g3);
          }
          r0 = wasm_f32x4_add(r0, g0);
          r1 = wasm_f32x4_add(r1, g1);
          r2 = wasm_f32x4_add(r2, g2);
          r3 = wasm_f32x4_add(r3, g3);
          if (symmetric) {
            v4 cs = wasm_f32x4_add(wasm_f32x4_add(g0, g1), wasm_f32x4_add(g2, g3));
            wasm_v128_store(col + b, wasm_f32x4_add(wasm_v128_load(col + b), cs));
          }
        }
        float *row = rowSum + s * ti + a;
        wasm_v128_store(row, wasm_f32x4_add(wasm_v128_load(row), hsum4(r0, r1, r2, r3)));
      }
    }
    for (int s = 0; s < ncs; s++) {
      double *dst = S + ((int64_t)k * G + colSeg[3 * s + 2]) * np + i0;
      const float *src = rowSum + s * ti;
      for (int a = 0; a < ti; a++) dst[a] += src[a];
    }
    for (int r = 0; r < nrs; r++) {
      double *dst = S + ((int64_t)k * G + rowSeg[3 * r + 2]) * np + j0;
      const float *src = colSum + r * tj;
      for (int b = 0; b < tj; b++) dst[b] += src[b];
    }
  }
}
