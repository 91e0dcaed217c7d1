// The bench report's Case 3 (ResNet training step): the table row and the kernel line, from
// hand-chosen inputs whose formatted values are plain to check.
import { describe, expect, it } from 'vitest';
import { describeKernels, describeResnetRow, renderReport, type BenchReport, type KernelUse, type ResnetRow } from '../../bench/lib/report';

function baseReport(resnet: ResnetRow[], skipped: BenchReport['skipped'] = []): BenchReport {
  return {
    command: 'npm run bench -- --case resnet',
    started: '2026-12-04T10:00:00.000Z',
    machine: { cpu: 'test cpu', cores: 2, memoryBytes: 2 ** 30, os: 'test os', node: '20' },
    loadBefore: '0.00 0.00 0.00',
    loadAfter: '0.00 0.00 0.00',
    versions: {},
    reference: null,
    backend: 'wasm',
    repeats: 3,
    threadCounts: [2],
    dataSource: null,
    analysis: [],
    training: [],
    resnet,
    storage: null,
    skipped,
  };
}

// 100 ms of kernels: shares 50%, 30%, 19%, and two small tfjs kernels of 0.5 ms each (1% together).
const kernels: KernelUse[] = [
  { name: 'Conv2D', calls: 7, ms: 30, source: 'tfjs' },
  { name: 'Relu', calls: 7, ms: 0.5, source: 'tfjs' },
  { name: 'Conv2DBackpropFilter', calls: 7, ms: 50, source: 'ours (tfjs has none)' },
  { name: 'Multiply', calls: 92, ms: 19, source: 'tfjs' },
  { name: 'Exp', calls: 1, ms: 0.5, source: 'tfjs' },
];

const row: ResnetRow = {
  threads: 2,
  batch: 64,
  warmup: 3,
  // ours: steps 0.5, 0.4, 0.6 s (median 0.5); PyTorch 0.125, 0.25, 0.1 s (median 0.125): ratio 4.
  ours: { seconds: 0.5, all: [0.5, 0.4, 0.6], cpuSeconds: 0.5, peakRssBytes: 600 * 2 ** 20, implementation: 'our loop' },
  reference: { seconds: 0.125, all: [0.125, 0.25, 0.1], cpuSeconds: 0.25, peakRssBytes: 400 * 2 ** 20, implementation: 'PyTorch' },
  oursParams: 14650,
  referenceParams: 14650,
  maxLossDifference: 1.6e-5,
  lossSteps: 6,
  kernels,
  kernelStepSeconds: 0.2,
};

describe('bench report, case 3 (ResNet step)', () => {
  it('renders the table row from the two sides: medians, ratio, CPU, memory, parameters, loss difference, every step', () => {
    const md = renderReport(baseReport([row]));
    expect(md).toContain('### Case 3: ResNet training step');
    const line = md.split('\n').find((l) => l.startsWith('| 2 |'));
    expect(line).toBeDefined();
    const cells = line!.split('|').slice(1, -1).map((c) => c.trim());
    expect(cells).toEqual([
      '2',
      '500 ms',
      '125 ms',
      '**4.00**', // 0.5 / 0.125
      '500 ms',
      '250 ms',
      '2.00', // CPU 0.5 / 0.25
      '600 MiB',
      '400 MiB',
      '14650 / 14650',
      '1.6e-5',
      '500, 400, 600',
      '125, 250, 100',
    ]);
    expect(md).toContain('Each side runs 3 warm-up step(s)');
    expect(md).toContain('the loss difference is over all 6 steps');
    expect(md).toContain('Ours: our loop. Reference: PyTorch.');
    // 100 ms of kernels in a 200 ms step.
    expect(md).toContain('100 ms in kernels of a 200 ms step');
  });

  it('lists the kernels by time with their share, names Frequency Lab\'s, and folds small tfjs kernels together', () => {
    expect(describeKernels(kernels)).toBe(
      'Conv2DBackpropFilter x7 50.0 ms (50%, Frequency Lab\'s; tfjs has none), Conv2D x7 30.0 ms (30%), Multiply x92 19.0 ms (19%), ' +
        '2 other kernels (Relu, Exp) 1.00 ms (1%)',
    );
  });

  it('keeps Frequency Lab\'s kernels in the list however small they are', () => {
    const small: KernelUse[] = [
      { name: 'Conv2D', calls: 1, ms: 99, source: 'tfjs' },
      { name: 'GatherV2', calls: 1, ms: 1, source: 'ours (replaces tfjs)' },
    ];
    expect(describeKernels(small)).toBe("Conv2D x1 99.0 ms (99%), GatherV2 x1 1.00 ms (1%, Frequency Lab's, replacing tfjs's)");
  });

  it('without the reference: no ratio, no loss comparison, and says why', () => {
    const alone: ResnetRow = { ...row, reference: null, referenceParams: null, maxLossDifference: null };
    const md = renderReport(baseReport([alone]));
    const cells = md
      .split('\n')
      .find((l) => l.startsWith('| 2 |'))!
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim());
    expect(cells[2]).toBe('not run');
    expect(cells[3]).toBe('**n/a**');
    expect(cells[9]).toBe('14650 / n/a');
    expect(cells[10]).toBe('n/a');
    expect(md).toContain('the losses are not compared');
    expect(describeResnetRow(alone)).toBe('threads=2: ours 500 ms/step (600 MiB), PyTorch not run/step (n/a), ratio n/a, params 14650 / n/a');
  });

  it('a failed side shows its error; a skipped case still prints its reason', () => {
    const failed: ResnetRow = { ...row, ours: { error: 'exit code 1' }, oursParams: null, kernels: null, kernelStepSeconds: null, maxLossDifference: null };
    expect(renderReport(baseReport([failed]))).toContain('| 2 | failed: exit code 1 | 125 ms |');
    const skipped = renderReport(baseReport([], [{ name: 'resnet', reason: 'not yet available: because' }]));
    expect(skipped).toContain('### Case 3: ResNet training step\n\nnot yet available: because');
    expect(skipped).not.toContain('| threads | ours per step');
  });
});
