// Seeded pseudo-random numbers for everything a run draws: initial weights, subsets, batch order.
// JavaScript-side so the same seed gives the same draws on every tfjs backend.

/** A generator of uniform floats in [0, 1) with a state that can be saved and restored. */
export interface Rng {
  next(): number;
  /** The internal state, to checkpoint and resume the exact sequence. */
  state(): number;
}

/** mulberry32: a 32-bit state generator; x_{t+1} = mix(x_t + 0x6D2B79F5). */
export function createRng(seed: number, state?: number): Rng {
  let a = (state ?? seed) >>> 0;
  return {
    next() {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
    state: () => a,
  };
}

/** A seed for a named sub-stream, so that e.g. the data subset does not shift when the model changes. */
export function deriveSeed(seed: number, stream: string): number {
  // FNV-1a over the stream name, mixed with the seed.
  let h = 0x811c9dc5 ^ (seed >>> 0);
  for (let i = 0; i < stream.length; i++) h = Math.imul(h ^ stream.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Standard normal draw (Box-Muller). */
export function normal(rng: Rng): number {
  let u = rng.next();
  while (u <= Number.EPSILON) u = rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

/** In-place Fisher-Yates shuffle. */
export function shuffleInPlace<T extends { length: number; [i: number]: unknown }>(a: T, rng: Rng): T {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a;
}

/** `count` distinct indices from 0..n-1, in random order. */
export function sampleIndices(n: number, count: number, rng: Rng): Int32Array {
  if (count > n) throw new RangeError(`cannot draw ${count} distinct samples from ${n}`);
  const all = new Int32Array(n);
  for (let i = 0; i < n; i++) all[i] = i;
  // Partial Fisher-Yates: the first `count` slots end up a uniform random sample.
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(rng.next() * (n - i));
    const t = all[i];
    all[i] = all[j];
    all[j] = t;
  }
  return all.slice(0, count);
}
