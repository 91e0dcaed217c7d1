// `lab analyse`: the frequency content (LFR, RDF) of a data set's own target, no training.
import { writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { validateConfig, type AnalysisConfig, type DataConfig } from '../../shared/config';
import { lfrRdfOption } from '../../shared/charts';
import { normalisationText as normalisationLabel } from '../../shared/charts/labels';
import { defaultDeltaGrid } from '../../shared/presets';
import { analyseDataInWorker } from '../engine/run-worker';
import { dataFrequencyCsv } from '../export/data-frequency-csv';
import { renderChartPng } from '../export/png';
import { table } from './format';

type Values = Record<string, string | boolean | string[] | undefined>;

const str = (v: Values[string]) => (typeof v === 'string' ? v : undefined);
const numberOr = (v: Values[string], fallback: number) => (typeof v === 'string' ? Number(v) : fallback);

/** `--frequencies 3,5` as numbers; an empty or non-numeric entry is an error, not 0. */
function parseFrequencies(text: string): number[] {
  return text.split(',').map((part, i) => {
    const f = Number(part.trim());
    if (part.trim() === '' || !Number.isFinite(f)) {
      throw new Error(`--frequencies ${text}: entry ${i + 1} ("${part}") is not a number; write e.g. --frequencies 3,5`);
    }
    return f;
  });
}

/** The data config the options describe. */
function dataFromOptions(values: Values): DataConfig {
  const kind = str(values.data);
  const n = numberOr(values.n, 1000);
  switch (kind) {
    case 'sin':
      return { kind: 'synthetic', target: { kind: 'sin', m: numberOr(values.m, 1) }, trainSize: n, interval: [-1, 1] };
    case 'cos-sum':
      return {
        kind: 'synthetic',
        target: { kind: 'cos-sum', frequencies: parseFrequencies(str(values.frequencies) ?? '3,5') },
        trainSize: n,
        interval: [-Math.PI, Math.PI],
      };
    case 'idx':
    case 'mnist':
    case 'fashion-mnist': {
      const files = (str(values.files) ?? 't10k') as 'train' | 't10k';
      const dir = str(values.dir);
      if (!dir) throw new Error(`--data ${kind} needs --dir, the folder with the IDX files`);
      // Load as many images as are analysed (a seeded subset), unless --n says otherwise: works for
      // files smaller than the standard 60000 / 10000 too.
      return { kind: 'idx', dir, files, trainSize: typeof values.n === 'string' ? n : numberOr(values.samples, 2000) };
    }
    default:
      throw new Error(`--data must be sin, cos-sum or idx, got "${kind ?? ''}"`);
  }
}

/** Validates data and analysis settings through the one config schema (same messages as a run). */
function validated(data: DataConfig, values: Values): { data: DataConfig; analysis: AnalysisConfig; seed: number } {
  const norm = str(values.normalisation) ?? (data.kind === 'synthetic' ? 'none' : 'mean-distance');
  const samples = numberOr(values.samples, Math.min(data.trainSize ?? 2000, 2000));
  const config = validateConfig(
    {
      seed: numberOr(values.seed, 1),
      data,
      model: { kind: 'mlp', hidden: [1] },
      training: { optimiser: { kind: 'adam' }, schedule: [{ fromEpoch: 1, rate: 1e-3 }], batchSize: 1, stop: { maxEpochs: 1 } },
      analysis: {
        layers: [0],
        epochs: {},
        samples,
        deltaGrid: {
          kind: 'log-k',
          kMin: numberOr(values['k-min'], defaultDeltaGrid.kMin),
          kMax: numberOr(values['k-max'], defaultDeltaGrid.kMax),
          count: numberOr(values.count, defaultDeltaGrid.count),
        },
        normalisation: norm === 'mean-distance' ? { kind: norm, d0: numberOr(values.d0, 1) } : { kind: norm },
      },
    },
    'analyse options',
  );
  return { data: config.data, analysis: config.analysis, seed: config.seed };
}

export async function analyseCommand(values: Values): Promise<number> {
  const job = validated(dataFromOptions(values), values);
  const result = await analyseDataInWorker({ ...job, backend: 'auto' }, process.cwd());
  console.log(`${result.dataset}: ${result.samples} samples, backend ${result.backend}, ${result.seconds.toFixed(1)} s`);
  console.log(`${normalisationLabel(result.normalisation)} (scale ${result.scale.toPrecision(4)})`);
  console.log(`LFR limits: ${result.lfr[result.lfr.length - 1].toFixed(4)} at 1/delta = ${result.k[result.k.length - 1].toPrecision(3)} (-> 1 as delta -> 0); ` +
    `${result.lfr[0].toFixed(4)} at 1/delta = ${result.k[0].toPrecision(3)} (-> ${result.lfrAtInfiniteDelta.toFixed(4)} as delta -> infinity)`);
  console.log(`RDF peak at 1/delta = ${result.peakK.toPrecision(4)}`);
  const step = Math.max(1, Math.floor(result.k.length / 10));
  console.log(table(['1/delta', 'LFR'], result.k.filter((_, i) => i % step === 0).map((k, i) => [k.toPrecision(4), result.lfr[i * step].toFixed(4)])));
  const csv = str(values.csv);
  if (csv) {
    await mkdir(path.dirname(path.resolve(csv)), { recursive: true });
    await writeFile(csv, dataFrequencyCsv(result));
    console.log(`wrote ${path.resolve(csv)}`);
  }
  const png = str(values.png);
  if (png) {
    const option = lfrRdfOption(result, {
      title: `Frequency content of ${result.dataset}`,
      subtitle: `${result.samples} samples; ${normalisationLabel(result.normalisation)}; RDF peak at 1/δ = ${result.peakK.toPrecision(3)}`,
    });
    await mkdir(path.dirname(path.resolve(png)), { recursive: true });
    await writeFile(png, renderChartPng(option, { width: 900, height: 560 }));
    console.log(`wrote ${path.resolve(png)}`);
  }
  return 0;
}
