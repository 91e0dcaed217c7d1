"""Case 2, reference side: epochs of the paper's MNIST network in PyTorch, as a researcher would
write it: 784-500x5-10, tanh, linear output, MSE on one-hot labels, Adam (lr 1e-5), batch 256,
Glorot-uniform weights and zero biases, a new random order each epoch, the epoch's mean loss and
accuracy accumulated as it goes. Reads the bench's data folder; prints one JSON line. The first
epoch is a warm-up, like on our side.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
from torch import nn

from memory import peak_rss_bytes


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--data', required=True)
    p.add_argument('--samples', type=int, required=True)
    p.add_argument('--epochs', type=int, required=True)
    p.add_argument('--threads', type=int, required=True)
    p.add_argument('--batch', type=int, default=256)
    p.add_argument('--device', default='cpu', help='e.g. cuda on a GPU workstation (needs a CUDA build of torch)')
    a = p.parse_args()
    device = torch.device(a.device)
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    with open(os.path.join(a.data, 'meta.json')) as f:
        meta = json.load(f)

    def rows(name, w):
        return torch.from_numpy(np.fromfile(os.path.join(a.data, name), dtype='<f4', count=a.samples * w).reshape(a.samples, w).copy())

    x = rows(meta['files']['x'], meta['inputDim']).to(device)
    y = rows(meta['files']['y'], meta['classes']).to(device)
    labels = y.argmax(1)
    sizes = [meta['inputDim'], 500, 500, 500, 500, 500, meta['classes']]
    layers = []
    for i in range(len(sizes) - 1):
        lin = nn.Linear(sizes[i], sizes[i + 1])
        nn.init.xavier_uniform_(lin.weight)
        nn.init.zeros_(lin.bias)
        layers.append(lin)
        if i < len(sizes) - 2:
            layers.append(nn.Tanh())
    net = nn.Sequential(*layers).to(device)
    opt = torch.optim.Adam(net.parameters(), lr=1e-5)
    n = a.samples
    seconds, cpu_seconds, losses = [], [], []
    for epoch in range(a.epochs):
        t0 = time.perf_counter()
        c0 = time.process_time()
        order = torch.randperm(n, device=device)
        loss_sum = torch.zeros((), dtype=torch.float64, device=device)
        correct = torch.zeros((), dtype=torch.int64, device=device)
        for start in range(0, n, a.batch):
            idx = order[start:start + a.batch]
            xb, yb = x[idx], y[idx]
            out = net(xb)
            loss = ((out - yb) ** 2).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            loss_sum += loss.detach() * idx.numel()
            correct += (out.detach().argmax(1) == labels[idx]).sum()
        mean_loss = loss_sum.item() / n
        _ = correct.item() / n
        seconds.append(time.perf_counter() - t0)
        cpu_seconds.append(time.process_time() - c0)
        losses.append(mean_loss)
        print(f'pytorch epoch {epoch + 1}: {seconds[-1]:.2f} s, loss {mean_loss:.5f}', file=sys.stderr, flush=True)
    print('BENCH-RESULT ' + json.dumps({
        'implementation': f'PyTorch {torch.__version__} on {a.device}',
        'threads': torch.get_num_threads(),
        'samples': n, 'batchSize': a.batch, 'seconds': seconds, 'cpuSeconds': cpu_seconds, 'losses': losses,
        'peakRssBytes': peak_rss_bytes(),
    }))


if __name__ == '__main__':
    main()
