// The frequency analysis of one snapshot of the network: for every analysed layer l, the LFR and
// RDF of its effective target S_l = {(h_l(x_i), y_i)} on the fixed analysis subset.
import * as tf from '@tensorflow/tfjs-core';
import { resolveLayerIndex, type AnalysisConfig } from '../../shared/config';
import type { LayerFrequency } from '../../shared/results';
import { analyseLayer } from './frequency';
import { forward, type Mlp } from './models/mlp';

/** LFR/RDF of every configured layer at `epoch`; x and y are the analysis subset. */
export function analyseSnapshot(net: Mlp, x: tf.Tensor2D, y: tf.Tensor2D, analysis: AnalysisConfig, epoch: number): LayerFrequency[] {
  const depth = net.weights.length - 1;
  const hidden = tf.tidy(() => forward(net, x, true).hidden);
  try {
    return analysis.layers.map((configured) => {
      const layer = resolveLayerIndex(configured, depth);
      const h = layer === 0 ? x : hidden[layer - 1];
      return { epoch, layer, configuredLayer: configured, ...analyseLayer(h, y, analysis) };
    });
  } finally {
    tf.dispose(hidden);
  }
}
