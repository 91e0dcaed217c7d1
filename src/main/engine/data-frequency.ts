// The frequency content of a data set's own target (no network): LFR and RDF of {(x_i, y_i)}
// on a seeded subset — the paper's Fig. 2 view and a check of the filter.
import * as tf from '@tensorflow/tfjs-core';
import type { AnalysisConfig, DataConfig } from '../../shared/config';
import { lfrLimitAtInfiniteDelta } from '../../shared/frequency-math';
import type { ActiveBackend } from './backend';
import { loadDataset, subsetDataset } from './data/dataset';
import { analyseLayer, type LayerFrequencyContent } from './frequency';
import { createRng, deriveSeed, sampleIndices } from './random';

export interface DataFrequency extends LayerFrequencyContent {
  dataset: string;
  samples: number;
  /** |mean y|^2 / mean |y|^2: the value LFR tends to as delta -> infinity. */
  lfrAtInfiniteDelta: number;
  backend: string;
  seconds: number;
}

/** LFR/RDF of a data set's target on `analysis.samples` samples (all when it has fewer). */
export async function analyseDataFrequency(
  data: DataConfig,
  analysis: AnalysisConfig,
  seed: number,
  baseDir: string,
  active: ActiveBackend,
): Promise<DataFrequency> {
  const t0 = performance.now();
  const full = await loadDataset(data, seed, baseDir);
  const n = Math.min(analysis.samples, full.n);
  const ds = n === full.n ? full : subsetDataset(full, sampleIndices(full.n, n, createRng(deriveSeed(seed, 'analysis-subset'))));
  const x = tf.tensor2d(ds.x, [ds.n, ds.inputDim]);
  const y = tf.tensor2d(ds.y, [ds.n, ds.outputDim]);
  try {
    const content = analyseLayer(x, y, analysis);
    return {
      ...content,
      dataset: ds.name,
      samples: ds.n,
      lfrAtInfiniteDelta: lfrLimitAtInfiniteDelta(ds.y, ds.n, ds.outputDim),
      backend: active.backend,
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    tf.dispose([x, y]);
  }
}
