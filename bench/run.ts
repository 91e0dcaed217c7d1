// `npm run bench`: Frequency Lab against a PyTorch reference on the same machine, in one run
// (issue 5). Every measurement runs in its own child process (tsx for ours, /usr/bin/python3 for
// the reference), which times itself and reports its peak resident memory. Writes the tables
// into docs/benchmarks.md (between the generated-section markers; the rest of the file is kept).
//
//   npm run bench                               all cases, n = 2000, 5000, 10000
//   npm run bench -- --quick                    a one-minute tour (small sizes, one repeat)
//   npm run bench -- --case analysis --n 2000   a subset (printed; --write to update the doc)
//   npm run bench -- --threads 1,2 --repeats 5 --backend wasm --no-reference
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { argValue, argValues, hasFlag } from './lib/args';
import { repoRoot, runChild, tsChild, type ChildResult } from './lib/child';
import type { BenchDataMeta } from './lib/dataset-files';
import { caseNames, describeRow, describeStorage, describeTrainRow, renderReport, writeReport, type BenchReport, type CaseName, type Measured } from './lib/report';
import { describeResnetRow, type KernelUse, type ResnetRow } from './lib/report';
import { describeUi, type UiResult } from './lib/report';
import { median } from './lib/stats';
import { loadAverage, machineInfo, packageVersions, referenceInfo } from './lib/system';

/** Warm-up steps of the ResNet case, on each side, before its --repeats timed steps. */
const resnetWarmup = 3;

const usage = `usage: npm run bench -- [options]
  --case NAME[,NAME]   ${caseNames.join(', ')} (default: all)
  --n N[,N]            analysis sizes (default 2000,5000,10000; --quick: 1000)
  --threads T[,T]      thread counts under test (default: the core count, ${os.availableParallelism()})
  --repeats R          timed repeats per measurement, median reported (default 3; --quick: 1);
                       resnet: timed training steps after ${resnetWarmup} warm-up steps
  --samples N          training samples for the training case (default 10000; --quick: 2000)
  --backend B          our tfjs backend: auto, tensorflow-gpu, tensorflow, wasm, cpu (default auto)
  --python PATH        the reference's Python (default /usr/bin/python3)
  --reference-device D torch device of the reference: cpu (default) or cuda (needs a CUDA build of torch)
  --mnist DIR          MNIST t10k IDX files (default ../shared/data/mnist, $FREQLAB_MNIST)
  --no-reference       do not run PyTorch
  --quick              small sizes, one repeat: a tour in about a minute
  --write / --no-write update docs/benchmarks.md (default: only for a full default run)
  --out FILE           write the report to FILE instead of docs/benchmarks.md`;

if (hasFlag('--help') || hasFlag('-h')) {
  console.log(usage);
  process.exit(0);
}

const argv = process.argv.slice(2);
const quick = hasFlag('--quick');
const selected = (argValues('--case').length ? argValues('--case') : [...caseNames]) as CaseName[];
for (const c of selected) {
  if (!caseNames.includes(c)) {
    console.error(`unknown case "${c}"\n${usage}`);
    process.exit(2);
  }
}
const sizes = (argValues('--n').length ? argValues('--n') : quick ? ['1000'] : ['2000', '5000', '10000']).map(Number);
const threadCounts = (argValues('--threads').length ? argValues('--threads') : [String(os.availableParallelism())]).map(Number);
const repeats = Number(argValue('--repeats', quick ? '1' : '3'));
const trainSamples = Number(argValue('--samples', quick ? '2000' : '10000'));
const backend = argValue('--backend', 'auto');
const python = argValue('--python', '/usr/bin/python3');
const referenceDevice = argValue('--reference-device', 'cpu');
const withReference = !hasFlag('--no-reference');
const mnistDir = path.resolve(repoRoot, argValue('--mnist', process.env.FREQLAB_MNIST ?? '../shared/data/mnist'));
const isDefaultRun = argv.every((a) => a === '--write');
const write = hasFlag('--write') || (isDefaultRun && !hasFlag('--no-write'));
const outFile = path.resolve(argValue('--out', path.join(repoRoot, 'docs', 'benchmarks.md')));

for (const [name, values] of [['--n', sizes], ['--threads', threadCounts], ['--repeats', [repeats]], ['--samples', [trainSamples]]] as const) {
  if (values.some((v) => !Number.isInteger(v) || v < 1)) {
    console.error(`${name} needs whole numbers >= 1`);
    process.exit(2);
  }
}

function log(line: string): void {
  console.log(line);
}

/** The bench's input files for `n` samples, made once and cached in the temp folder. */
async function benchData(n: number): Promise<{ dir: string; meta: BenchDataMeta }> {
  const haveMnist = existsSync(path.join(mnistDir, 't10k-images-idx3-ubyte.gz')) || existsSync(path.join(mnistDir, 't10k-images-idx3-ubyte'));
  const dir = path.join(os.tmpdir(), 'frequency-lab-bench', `data-v1-${haveMnist ? 'mnist' : 'synthetic'}-${n}`);
  if (!existsSync(path.join(dir, 'meta.json'))) {
    mkdirSync(path.dirname(dir), { recursive: true });
    log(`  preparing the input data (${n} samples, hidden layers at initialisation) in ${dir}`);
    const c = tsChild('prepare.ts');
    const r = await runChild<BenchDataMeta>(c.command, [...c.args, '--out', dir, '--n', String(n), ...(haveMnist ? ['--mnist', mnistDir] : [])]);
    if (!r.ok) throw new Error(`preparing the bench data failed: ${r.error}`);
  }
  return { dir, meta: JSON.parse(readFileSync(path.join(dir, 'meta.json'), 'utf8')) as BenchDataMeta };
}

function threadEnv(t: number): Record<string, string> {
  // The reference's BLAS and OpenMP pools; ours: analysis threads and matrix-product threads. PASSIVE: see docs/benchmarks.md.
  return {
    OPENBLAS_NUM_THREADS: String(t),
    OMP_NUM_THREADS: String(t),
    MKL_NUM_THREADS: String(t),
    OMP_WAIT_POLICY: 'PASSIVE',
    FREQLAB_ANALYSIS_THREADS: String(t),
    FREQLAB_MATMUL_THREADS: String(t),
  };
}

function failure(r: ChildResult<unknown>): string {
  return (r.error ?? 'failed').split('\n')[0];
}

interface AnalysisChild {
  implementation: string;
  backend?: string;
  detail?: string;
  seconds: number[];
  cpuSeconds?: number[];
  layerSeconds: number[][];
  warmupSeconds: number;
  lfr: number[][];
  peakRssBytes: number;
}

interface TrainChild {
  seconds: number[];
  cpuSeconds?: number[];
  peakRssBytes: number;
  implementation?: string;
}

/** What both sides of the ResNet case report (bench/children/resnet.ts, bench/reference/resnet.py). */
interface ResnetChild {
  implementation: string;
  seconds: number[];
  cpuSeconds: number[];
  warmupSeconds: number[];
  losses: number[];
  params: number;
  batchSize: number;
  peakRssBytes: number;
  /** Ours only. */
  backend?: string;
  detail?: string;
  kernels?: KernelUse[];
  profiledStepSeconds?: number;
  /** Reference only: whether it started from our images and initial weights. */
  sameStart?: boolean;
}

/** The report's view of a child's repeats: medians of the (selected) wall and CPU times. */
function measured(
  r: ChildResult<{ seconds: number[]; cpuSeconds?: number[]; peakRssBytes: number; implementation?: string }>,
  select: (s: number[]) => number[] = (s) => s,
  implementation?: string,
): Measured {
  if (!r.ok || !r.result) return { error: failure(r) };
  const res = r.result;
  return {
    seconds: median(select(res.seconds)),
    all: res.seconds,
    cpuSeconds: res.cpuSeconds?.length ? median(select(res.cpuSeconds)) : null,
    peakRssBytes: res.peakRssBytes,
    implementation: implementation ?? res.implementation ?? '',
  };
}

function maxDifference(a: number[][], b: number[][]): number {
  let m = 0;
  a.forEach((row, l) => row.forEach((v, j) => (m = Math.max(m, Math.abs(v - b[l][j])))));
  return m;
}

async function main(): Promise<void> {
  const started = new Date();
  const machine = machineInfo();
  const reference = withReference ? await referenceInfo(python) : null;
  const report: BenchReport = {
    command: `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`,
    started: started.toISOString(),
    machine,
    loadBefore: loadAverage(),
    loadAfter: '',
    versions: packageVersions(),
    reference,
    backend: null,
    repeats,
    threadCounts,
    dataSource: null,
    analysis: [],
    training: [],
    resnet: [],
    storage: null,
    ui: null,
    skipped: [],
  };
  log(`Frequency Lab bench — ${machine.cpu}, ${machine.cores} cores, ${(machine.memoryBytes / 2 ** 30).toFixed(1)} GiB; load ${report.loadBefore}`);
  if (os.loadavg()[0] > 0.5) log(`  note: the machine is busy (1-minute load ${os.loadavg()[0].toFixed(2)}); timings may be inflated`);
  if (reference && !reference.available) log(`  reference not available: ${reference.missing.join('; ')}`);
  else if (reference?.missing.length) log(`  reference warning: ${reference.missing.join('; ')}`);
  if (!withReference) log('  reference: skipped (--no-reference)');
  const runReference = reference?.available === true;
  // One data set for every case: as many rows as the largest size any selected case uses.
  const dataSize = Math.max(...(selected.includes('analysis') ? sizes : []), ...(selected.includes('train') ? [trainSamples] : []), 1);

  if (selected.includes('analysis')) {
    log('\n[analysis] one snapshot: 5 hidden layers of width 500, 100 delta values');
    const { dir, meta } = await benchData(dataSize);
    report.dataSource = meta.source;
    for (const t of threadCounts) {
      for (const n of [...sizes].sort((a, b) => a - b)) {
        const c = tsChild('analysis.ts');
        const ours = await runChild<AnalysisChild>(c.command, [...c.args, '--data', dir, '--n', String(n), '--repeats', String(repeats), '--backend', backend], {
          env: threadEnv(t),
          echo: true,
        });
        if (ours.result?.backend) report.backend = `${ours.result.backend} — ${ours.result.detail}`;
        let ref: ChildResult<AnalysisChild> | null = null;
        if (runReference) {
          ref = await runChild<AnalysisChild>(
            python,
            [path.join(repoRoot, 'bench/reference/analysis.py'), '--data', dir, '--n', String(n), '--threads', String(t), '--repeats', String(repeats), '--device', referenceDevice],
            { env: threadEnv(t), echo: true },
          );
        }
        const row: BenchReport['analysis'][number] = {
          threads: t,
          n,
          ours: measured(ours),
          reference: !runReference ? null : measured(ref!),
          maxLfrDifference: ours.ok && ref?.ok ? maxDifference(ours.result!.lfr, ref.result!.lfr) : null,
          float64: null,
        };
        // Exactness against float64, once, at the smallest size of the first thread count.
        if (runReference && ours.ok && t === threadCounts[0] && n === Math.min(...sizes)) {
          const f64 = await runChild<AnalysisChild>(
            python,
            [path.join(repoRoot, 'bench/reference/analysis.py'), '--data', dir, '--n', String(n), '--threads', String(t), '--repeats', '1', '--dtype', 'float64', '--device', referenceDevice],
            { env: threadEnv(t) },
          );
          if (f64.ok) {
            row.float64 = {
              ours: maxDifference(ours.result!.lfr, f64.result!.lfr),
              reference: ref?.ok ? maxDifference(ref.result!.lfr, f64.result!.lfr) : null,
            };
          }
        }
        report.analysis.push(row);
        log(`  ${describeRow(row)}`);
      }
    }
  }

  if (selected.includes('train')) {
    log(`\n[train] one epoch of 784-500x5-10 tanh, MSE, Adam, batch 256 on ${trainSamples} samples`);
    const { dir, meta } = await benchData(dataSize);
    report.dataSource ??= meta.source;
    const epochs = repeats + 1;
    for (const t of threadCounts) {
      const c = tsChild('train.ts');
      const ours = await runChild<TrainChild & { backend: string; detail: string }>(
        c.command,
        [...c.args, '--data', dir, '--samples', String(trainSamples), '--epochs', String(epochs), '--backend', backend],
        { env: threadEnv(t), echo: true },
      );
      if (ours.result?.backend) report.backend ??= `${ours.result.backend} — ${ours.result.detail}`;
      let ref: ChildResult<TrainChild> | null = null;
      if (runReference) {
        ref = await runChild(python, [path.join(repoRoot, 'bench/reference/train.py'), '--data', dir, '--samples', String(trainSamples), '--epochs', String(epochs), '--threads', String(t), '--device', referenceDevice], {
          env: threadEnv(t),
          echo: true,
        });
      }
      // The first epoch is the warm-up on both sides.
      const timed = (s: number[]) => (s.length > 1 ? s.slice(1) : s);
      const row: BenchReport['training'][number] = {
        threads: t,
        samples: trainSamples,
        ours: measured(ours, timed, 'trainAndAnalyse (app training loop)'),
        reference: !runReference ? null : measured(ref!, timed),
      };
      report.training.push(row);
      log(`  ${describeTrainRow(row)}`);
    }
  }

  if (selected.includes('resnet')) {
    log(`\n[resnet] training steps: stem + 3 basic blocks x 16 channels with batch norm, 32x32x3, batch 64, softmax cross-entropy, Adam (${resnetWarmup} warm-up + ${repeats} timed steps)`);
    // Our child writes its images and initial weights here; the reference starts from them.
    const start = path.join(os.tmpdir(), 'frequency-lab-bench', 'resnet-start');
    for (const t of threadCounts) {
      const c = tsChild('resnet.ts');
      const ours = await runChild<ResnetChild>(c.command, [...c.args, '--warmup', String(resnetWarmup), '--repeats', String(repeats), '--backend', backend, '--out', start], {
        env: threadEnv(t),
        echo: true,
      });
      if (ours.result?.backend) report.backend ??= `${ours.result.backend} — ${ours.result.detail}`;
      let ref: ChildResult<ResnetChild> | null = null;
      if (runReference) {
        ref = await runChild<ResnetChild>(
          python,
          [
            path.join(repoRoot, 'bench/reference/resnet.py'),
            '--threads', String(t),
            '--warmup', String(resnetWarmup),
            '--repeats', String(repeats),
            '--device', referenceDevice,
            ...(ours.ok ? ['--init', start] : []),
          ],
          { env: threadEnv(t), echo: true },
        );
      }
      const o = ours.ok ? ours.result! : null;
      const p = ref?.ok ? ref.result! : null;
      const row: ResnetRow = {
        threads: t,
        batch: o?.batchSize ?? p?.batchSize ?? 64,
        warmup: resnetWarmup,
        ours: measured(ours),
        reference: !runReference ? null : measured(ref!),
        oursParams: o?.params ?? null,
        referenceParams: p?.params ?? null,
        maxLossDifference: o && p?.sameStart && o.losses.length === p.losses.length ? Math.max(...o.losses.map((l, i) => Math.abs(l - p.losses[i]))) : null,
        lossSteps: o?.losses.length ?? resnetWarmup + repeats,
        kernels: o?.kernels ?? null,
        kernelStepSeconds: o?.profiledStepSeconds ?? null,
      };
      report.resnet.push(row);
      log(`  ${describeResnetRow(row)}`);
    }
  }

  if (selected.includes('storage')) {
    log('\n[storage] RunStore.saveEpoch for one epoch: metrics + 5 layers x 100 points');
    const c = tsChild('storage.ts');
    const r = await runChild<{ seconds: number[]; peakRssBytes: number }>(c.command, [...c.args, '--epochs', quick ? '5' : '20']);
    const epoch = report.training.find((t) => 'seconds' in t.ours)?.ours as { seconds: number } | undefined;
    report.storage = r.ok
      ? { seconds: median(r.result!.seconds), max: Math.max(...r.result!.seconds), saves: r.result!.seconds.length, epochSeconds: epoch?.seconds ?? null, epochSamples: epoch ? trainSamples : null }
      : { error: failure(r) };
    log(`  ${describeStorage(report.storage)}`);
  }

  if (selected.includes('ui')) {
    const chromium = process.env.FREQLAB_CHROMIUM ?? '/usr/bin/chromium';
    if (!existsSync(chromium)) {
      const reason = `not measured: needs Debian's Chromium at ${chromium} (apt-get install chromium; or set FREQLAB_CHROMIUM), driven through playwright-core as in test/e2e`;
      report.skipped.push({ name: 'ui', reason });
      log(`\n[ui] ${reason}`);
    } else {
      log(`\n[ui] the compare view in Chromium: 20 runs x 5 layers x 100 points, shown and redrawn by the epoch slider (${repeats} repeats)`);
      const c = tsChild('ui.ts');
      const r = await runChild<UiResult>(c.command, [...c.args, '--repeats', String(repeats)], { echo: true, timeoutSeconds: 900 });
      report.ui = r.ok ? r.result! : { error: failure(r) };
      log(`  ${describeUi(report.ui)}`);
    }
  }

  report.loadAfter = loadAverage();
  const markdown = renderReport(report);
  if (write) {
    writeReport(outFile, markdown);
    log(`\nwrote ${path.relative(process.cwd(), outFile)}`);
  } else {
    const scratch = path.join(os.tmpdir(), 'frequency-lab-bench', 'last-report.md');
    mkdirSync(path.dirname(scratch), { recursive: true });
    writeFileSync(scratch, markdown);
    log(`\nreport in ${scratch} (docs/benchmarks.md is only rewritten by a full run or with --write)`);
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
