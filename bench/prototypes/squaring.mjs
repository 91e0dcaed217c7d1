// Idea (a) of issue 5, measured: kernel values for k_{j+8} = 2 k_j by squaring (lfr-squaring.c)
// against exp for every k, on one hidden layer of the bench data, one thread.
//   clang --target=wasm32 -O3 -msimd128 -mbulk-memory -matomics -nostdlib -Wl,--no-entry \
//     -Wl,--import-memory -Wl,--shared-memory -Wl,--max-memory=4294967296 -o /tmp/lfr-sq.wasm lfr-squaring.c
//   node bench/prototypes/squaring.mjs /tmp/lfr-sq.wasm /tmp/frequency-lab-bench/data-v1-mnist-10000 2000 [layer]
import fs from 'node:fs';

const [wasmFile, dataDir, nArg, layerArg] = process.argv.slice(2);
const n = Number(nArg ?? 2000);
const layer = Number(layerArg ?? 1);
const d = 500;
const G = 10;

function load() {
  const b = fs.readFileSync(`${dataDir}/h${layer}.f32`);
  const x = new Float32Array(b.buffer, b.byteOffset, n * d).slice();
  const lab = Int32Array.from(fs.readFileSync(`${dataDir}/labels.u8`).subarray(0, n));
  // mean pairwise squared distance 1, centred
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let t = 0; t < d; t++) mean[t] += x[i * d + t] / n;
  let s = 0;
  for (let i = 0; i < n; i++) for (let t = 0; t < d; t++) s += (x[i * d + t] - mean[t]) ** 2;
  const scale = Math.sqrt(1 / ((2 * s) / (n - 1)));
  for (let i = 0; i < n; i++) for (let t = 0; t < d; t++) x[i * d + t] = Math.fround((x[i * d + t] - mean[t]) * scale);
  return { x, lab };
}

function run(mod, x, lab, ks, octave, depth, TILE = 128) {
  const order = [];
  const quadGroup = [];
  for (let g = 0; g < G; g++) {
    const members = [];
    for (let i = 0; i < n; i++) if (lab[i] === g) members.push(i);
    const padded = Math.ceil(members.length / 4) * 4;
    for (let q = 0; q < padded / 4; q++) quadGroup.push(g);
    for (let m = 0; m < padded; m++) order.push(m < members.length ? members[m] : -1);
  }
  const np = order.length;
  const K = ks.length;
  const probe = new WebAssembly.Instance(mod, { env: { memory: new WebAssembly.Memory({ initial: 2, maximum: 32768, shared: true }) } });
  const off = { X: 131072 };
  off.norms = off.X + np * d * 4;
  off.qg = off.norms + np * 4;
  off.ck = off.qg + np;
  off.S = Math.ceil((off.ck + K * 4) / 16) * 16;
  off.scr = Math.ceil((off.S + K * np * G * 8) / 16) * 16;
  const end = off.scr + probe.exports.lfr_scratch_bytes(TILE);
  const memory = new WebAssembly.Memory({ initial: Math.ceil(end / 65536), maximum: 32768, shared: true });
  const inst = new WebAssembly.Instance(mod, { env: { memory } });
  const F = new Float32Array(memory.buffer);
  const I = new Int32Array(memory.buffer);
  for (let p = 0; p < np; p++) {
    const i = order[p];
    let nn = 0;
    if (i >= 0) {
      for (let t = 0; t < d; t++) {
        F[off.X / 4 + p * d + t] = x[i * d + t];
        nn += x[i * d + t] ** 2;
      }
      F[off.norms / 4 + p] = nn;
    } else F[off.norms / 4 + p] = 1e30;
  }
  for (let q = 0; q < np / 4; q++) I[off.qg / 4 + q] = quadGroup[q];
  for (let k = 0; k < K; k++) F[off.ck / 4 + k] = (-ks[k] / 2) * Math.LOG2E;
  const c0 = process.cpuUsage();
  const blocks = [];
  for (let s = 0; s < np; s += TILE) blocks.push([s, Math.min(TILE, np - s)]);
  for (let a = 0; a < blocks.length; a++)
    for (let b = a; b < blocks.length; b++)
      inst.exports.lfr_tile(off.X, d, off.norms, off.qg, off.ck, K, G, np, off.S, off.scr, blocks[a][0], blocks[a][1], blocks[b][0], blocks[b][1], a === b ? 0 : 1, octave, depth);
  const c1 = process.cpuUsage(c0);
  const S = new Float64Array(memory.buffer, off.S, K * np * G);
  const low = new Float64Array(K);
  for (let k = 0; k < K; k++)
    for (let p = 0; p < np; p++) {
      if (order[p] < 0) continue;
      let den = 0;
      let num = 0;
      for (let g = 0; g < G; g++) {
        const v = S[(k * G + g) * np + p];
        den += v;
        num += v * v;
      }
      low[k] += num / (den * den);
    }
  return { lfr: Array.from(low, (v) => v / n), cpuMs: (c1.user + c1.system) / 1000 };
}

const mod = new WebAssembly.Module(fs.readFileSync(wasmFile));
const { x, lab } = load();
const ks = Array.from({ length: 100 }, (_, j) => 0.1 * 2 ** (j / 8)); // exactly 2^(1/8) apart
const configs = [[0, 0], [8, 1], [8, 2], [8, 3], [8, 5]];
const best = configs.map(() => ({ cpuMs: Infinity, lfr: [] }));
for (let r = 0; r < 3; r++)
  configs.forEach(([o, dd], i) => {
    const out = run(mod, x, lab, ks, o, dd);
    if (out.cpuMs < best[i].cpuMs) best[i] = out;
  });
configs.forEach(([o, dd], i) => {
  const diff = Math.max(...best[i].lfr.map((v, j) => Math.abs(v - best[0].lfr[j])));
  console.log(`${o ? `squaring, chains of <= ${dd}` : 'exp for every k'}: ${best[i].cpuMs.toFixed(0)} ms CPU; max |dLFR| vs exp ${diff.toExponential(1)}`);
});
