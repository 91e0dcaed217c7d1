"""Case 3, reference side: training steps of the same small ResNet in PyTorch, as a researcher
would write it: a 3x3 stem convolution to 16 channels (no bias) + batch norm + ReLU, one stage of
three basic blocks of 16 channels (conv3x3-BN-ReLU-conv3x3-BN, identity shortcut, ReLU), global
average pooling, a linear layer to 10 classes, softmax cross-entropy (mean over the batch), Adam
(lr 1e-3, betas 0.9/0.999, eps 1e-8), float32, batch 64, NCHW (PyTorch's default layout).
Batch norm: eps 1e-5, momentum 0.1 (ours: running = 0.9 running + 0.1 batch, the same).

With `--init DIR` (written by our child, bench/children/resnet.ts --out DIR) it trains on the
same 64 images and starts from the same initial weights as ours, so that the losses of the two
sides can be compared step by step; without it, on seeded random images with PyTorch's He-normal
weights. Each step: forward, loss, zero_grad, backward, optimiser step, and the step's loss and
correct count read back (.item()), as our loop reads them at the end of each of its epochs.
The first `--warmup` steps are a warm-up; prints one JSON line.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

from memory import peak_rss_bytes


class BasicBlock(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels, eps=1e-5, momentum=0.1)
        self.conv2 = nn.Conv2d(channels, channels, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels, eps=1e-5, momentum=0.1)

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + x)


class SmallResNet(nn.Module):
    def __init__(self, in_channels=3, width=16, blocks=3, classes=10):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, width, 3, stride=1, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(width, eps=1e-5, momentum=0.1)
        self.blocks = nn.Sequential(*[BasicBlock(width) for _ in range(blocks)])
        self.fc = nn.Linear(width, classes)
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.kaiming_normal_(m.weight, mode='fan_in', nonlinearity='relu')
        nn.init.zeros_(self.fc.bias)

    def forward(self, x):
        h = F.relu(self.bn(self.conv(x)))
        h = self.blocks(h)
        return self.fc(h.mean(dim=(2, 3)))


def load_init(net, d):
    """Our initial weights, in our variables' order (the same as net.parameters()):
    conv filters [kh, kw, in, out] -> [out, in, kh, kw], dense kernels [in, out] -> [out, in]."""
    with open(os.path.join(d, 'init.json')) as f:
        meta = json.load(f)
    values = np.fromfile(os.path.join(d, 'init.f32'), dtype='<f4')
    params = list(net.parameters())
    if len(params) != len(meta['tensors']):
        raise SystemExit(f"init: ours has {len(meta['tensors'])} tensors, this network {len(params)}")
    with torch.no_grad():
        for p, t in zip(params, meta['tensors']):
            size = int(np.prod(t['shape']))
            a = torch.from_numpy(values[t['offset']:t['offset'] + size].reshape(t['shape']).copy())
            if a.dim() == 4:
                a = a.permute(3, 2, 0, 1)
            elif a.dim() == 2:
                a = a.t()
            if tuple(a.shape) != tuple(p.shape):
                raise SystemExit(f"init: {t['name']} {t['shape']} does not fit {tuple(p.shape)}")
            p.copy_(a)
    return meta


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--threads', type=int, required=True)
    p.add_argument('--warmup', type=int, default=3)
    p.add_argument('--repeats', type=int, default=3)
    p.add_argument('--batch', type=int, default=64)
    p.add_argument('--init', default=None, help='folder with our data and initial weights (x.f32, labels.u8, init.json, init.f32)')
    p.add_argument('--device', default='cpu', help='e.g. cuda on a GPU workstation (needs a CUDA build of torch)')
    a = p.parse_args()
    device = torch.device(a.device)
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    side, channels, classes = 32, 3, 10
    net = SmallResNet(channels, 16, 3, classes)
    source = 'seeded random images, PyTorch He-normal weights'
    if a.init:
        meta = load_init(net, a.init)
        n = meta['n']
        if n != a.batch:
            raise SystemExit(f'init: {n} images for a batch of {a.batch}')
        x = torch.from_numpy(np.fromfile(os.path.join(a.init, 'x.f32'), dtype='<f4', count=n * side * side * channels).reshape(n, side, side, channels).copy())
        x = x.permute(0, 3, 1, 2).contiguous()  # NHWC (ours) -> NCHW
        labels = torch.from_numpy(np.fromfile(os.path.join(a.init, 'labels.u8'), dtype=np.uint8, count=n).astype(np.int64))
        source = "our images and initial weights"
    else:
        x = torch.floor(torch.rand(a.batch, channels, side, side) * 256) / 255
        labels = torch.randint(0, classes, (a.batch,))
    net = net.to(device)
    x, labels = x.to(device), labels.to(device)
    params = sum(q.numel() for q in net.parameters())
    statistics = sum(b.numel() for name, b in net.named_buffers() if not name.endswith('num_batches_tracked'))
    print(f'pytorch: resnet stem + 3 basic blocks x 16 channels, {params} trainable parameters (+ {statistics} batch-norm statistics), batch {a.batch}, {source}',
          file=sys.stderr, flush=True)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
    loss_fn = nn.CrossEntropyLoss()
    net.train()
    seconds, cpu_seconds, losses = [], [], []
    for step in range(a.warmup + a.repeats):
        t0 = time.perf_counter()
        c0 = time.process_time()
        out = net(x)
        loss = loss_fn(out, labels)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        value = loss.item()
        _ = (out.detach().argmax(1) == labels).sum().item()
        seconds.append(time.perf_counter() - t0)
        cpu_seconds.append(time.process_time() - c0)
        losses.append(value)
        what = 'warm-up step' if step < a.warmup else 'step'
        print(f'pytorch {what} {step + 1}: {seconds[-1] * 1000:.0f} ms, loss {value:.6f}', file=sys.stderr, flush=True)
    print('BENCH-RESULT ' + json.dumps({
        'implementation': f'PyTorch {torch.__version__} on {a.device}, NCHW',
        'threads': torch.get_num_threads(),
        'batchSize': a.batch,
        'warmup': a.warmup,
        'params': params,
        'statistics': statistics,
        'sameStart': bool(a.init),
        'warmupSeconds': seconds[:a.warmup],
        'seconds': seconds[a.warmup:],
        'warmupCpuSeconds': cpu_seconds[:a.warmup],
        'cpuSeconds': cpu_seconds[a.warmup:],
        'losses': losses,
        'peakRssBytes': peak_rss_bytes(),
    }))


if __name__ == '__main__':
    main()
