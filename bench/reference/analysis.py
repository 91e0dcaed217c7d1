"""Case 1, reference side: the frequency analysis of one snapshot in PyTorch, as a researcher
would write it from method.md: per layer, mean-distance normalisation (mean pairwise squared
distance 1), then LFR on the same 100 k = 1/delta values, in row blocks of the distance matrix,
float32 (or float64 with --dtype float64, the exactness reference), one exp and one product with
[y | 1] per block and k. Reads the bench's data folder; prints one JSON line.

The parent sets OPENBLAS_NUM_THREADS and OMP_NUM_THREADS to --threads before Python starts;
torch.set_num_threads(--threads) is called here as well.
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch

from memory import peak_rss_bytes


def delta_grid_k(k_min=0.1, k_max=1000.0, count=100):
    """The presets' default grid (src/shared/presets.ts defaultDeltaGrid), k ascending."""
    return [k_min * math.pow(k_max / k_min, j / (count - 1)) for j in range(count)]


def normalise_mean_distance(h, d0=1.0):
    """h * s with s = sqrt(d0 / MPSD(h)); MPSD from the closed form on mean-centred rows, summed in float64."""
    n = h.shape[0]
    centred = h - h.mean(0, keepdim=True)
    sum_sq = (centred * centred).sum(1).double().sum()
    col = centred.sum(0).double()
    mpsd = (2 * n * sum_sq - 2 * (col * col).sum()) / (n * (n - 1))
    return h * float(math.sqrt(d0 / float(mpsd)))


def low_frequency_ratios(x, y, ks, block):
    n, c = x.shape[0], y.shape[1]
    x = x - x.mean(0, keepdim=True)
    sq = (x * x).sum(1)
    y1 = torch.cat([y, torch.ones(n, 1, dtype=x.dtype, device=x.device)], 1)
    low = torch.zeros(len(ks), dtype=torch.float64, device=x.device)
    for start in range(0, n, block):
        end = min(n, start + block)
        d = (sq[start:end, None] + sq[None, :] - 2 * (x[start:end] @ x.T)).clamp_(min=0)
        rows = torch.arange(end - start, device=x.device)
        d[rows, start + rows] = 0
        d.mul_(-0.5)
        for j, k in enumerate(ks):
            g = torch.exp(d * k)
            sums = g @ y1
            low[j] += ((sums[:, :c] / sums[:, c:]) ** 2).sum().double()
    return (low / (y.double() ** 2).sum()).tolist()


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--data', required=True)
    p.add_argument('--n', type=int, required=True)
    p.add_argument('--threads', type=int, required=True)
    p.add_argument('--repeats', type=int, default=3)
    p.add_argument('--block', type=int, default=256)
    p.add_argument('--dtype', choices=['float32', 'float64'], default='float32')
    p.add_argument('--device', default='cpu', help='e.g. cuda on a GPU workstation (needs a CUDA build of torch)')
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    dtype = torch.float32 if a.dtype == 'float32' else torch.float64
    with open(os.path.join(a.data, 'meta.json')) as f:
        meta = json.load(f)
    width, classes = meta['hidden'][0], meta['classes']

    def rows(name, w):
        return torch.from_numpy(np.fromfile(os.path.join(a.data, name), dtype='<f4', count=a.n * w).reshape(a.n, w).copy())

    device = torch.device(a.device)
    layers = [rows(f, width).to(device=device, dtype=dtype) for f in meta['files']['hidden']]
    y = rows(meta['files']['y'], classes).to(device=device, dtype=dtype)

    def sync():
        if device.type == 'cuda':
            torch.cuda.synchronize()
    ks = delta_grid_k()

    def snapshot(hs, ys):
        return [low_frequency_ratios(normalise_mean_distance(h), ys, ks, a.block) for h in hs]

    w0 = time.perf_counter()
    m = min(a.n, 256)
    snapshot([layers[0][:m]], y[:m])
    sync()
    warmup = time.perf_counter() - w0

    seconds, cpu_seconds, layer_seconds, lfr = [], [], [], []
    for r in range(a.repeats):
        t0 = time.perf_counter()
        c0 = time.process_time()
        per_layer, lfr = [], []
        for h in layers:
            l0 = time.perf_counter()
            lfr.append(low_frequency_ratios(normalise_mean_distance(h), y, ks, a.block))
            sync()
            per_layer.append(time.perf_counter() - l0)
        seconds.append(time.perf_counter() - t0)
        cpu_seconds.append(time.process_time() - c0)
        layer_seconds.append(per_layer)
        print(f'pytorch {a.dtype} n={a.n} threads={a.threads} repeat {r + 1}/{a.repeats}: {seconds[-1]:.2f} s', file=sys.stderr, flush=True)
    print('BENCH-RESULT ' + json.dumps({
        'implementation': f'PyTorch {torch.__version__}, {a.dtype}, blocks of {a.block} rows, on {a.device}',
        'threads': torch.get_num_threads(),
        'n': a.n, 'layers': len(layers), 'k': len(ks),
        'seconds': seconds, 'cpuSeconds': cpu_seconds, 'layerSeconds': layer_seconds, 'warmupSeconds': warmup,
        'lfr': lfr, 'peakRssBytes': peak_rss_bytes(),
    }))


if __name__ == '__main__':
    main()
