// The frequency analysis of one snapshot of the network: for every analysed layer l, the LFR and
// RDF of its effective target S_l = {(h_l(x_i), y_i)} on the fixed analysis subset. Works on any
// Network: the hidden representations come from an inference-mode forward pass (batch
// normalisation with its running statistics), in chunks of the network's analysisChunk rows.
import * as tf from '@tensorflow/tfjs-core';
import { resolveLayerIndex, type AnalysisConfig } from '../../shared/config';
import type { LayerFrequency } from '../../shared/results';
import { analyseLayer } from './frequency';
import type { Network } from './models/network';

/** Inference-mode outputs and hidden layers `layers` (1..depth) of `net` for all rows of x, run
 *  in chunks of `chunk` rows and concatenated. The caller disposes the returned tensors. */
export function runInChunks(net: Network, x: tf.Tensor2D, layers: readonly number[], chunk = net.analysisChunk): { logits: tf.Tensor2D; hidden: Map<number, tf.Tensor2D> } {
  const n = x.shape[0];
  const size = Math.max(1, Math.min(n, chunk));
  // tf.tidy keeps the tensors of a returned array (not of a Map): return arrays, build the Map here.
  const toResult = (t: tf.Tensor[]) => ({ logits: t[0] as tf.Tensor2D, hidden: new Map(layers.map((l, i) => [l, t[i + 1] as tf.Tensor2D])) });
  if (size >= n) {
    return toResult(
      tf.tidy(() => {
        const out = net.forward(x, { training: false, keep: layers });
        return [out.logits, ...layers.map((l) => out.hidden.get(l)!)];
      }),
    );
  }
  const logits: tf.Tensor2D[] = [];
  const parts = new Map<number, tf.Tensor2D[]>(layers.map((l) => [l, []]));
  try {
    for (let start = 0; start < n; start += size) {
      const rows = Math.min(size, n - start);
      const out = tf.tidy(() => {
        const o = net.forward(tf.slice(x, [start, 0], [rows, x.shape[1]]), { training: false, keep: layers });
        return [o.logits, ...layers.map((l) => o.hidden.get(l)!)];
      });
      logits.push(out[0]);
      layers.forEach((l, i) => parts.get(l)!.push(out[i + 1]));
    }
    return toResult(tf.tidy(() => [tf.concat(logits, 0), ...layers.map((l) => tf.concat(parts.get(l)!, 0))]));
  } finally {
    tf.dispose(logits);
    for (const p of parts.values()) tf.dispose(p);
  }
}

/** LFR/RDF of every layer of `layers` (configured indices, may count from the output) at `epoch`;
 *  x and y are the analysis subset. */
export function analyseSnapshot(
  net: Network,
  x: tf.Tensor2D,
  y: tf.Tensor2D,
  analysis: AnalysisConfig,
  layers: readonly number[],
  epoch: number,
): LayerFrequency[] {
  const resolved = layers.map((configured) => resolveLayerIndex(configured, net.depth));
  const needed = [...new Set(resolved.filter((l) => l > 0))];
  const { logits, hidden } = runInChunks(net, x, needed);
  try {
    return layers.map((configured, i) => {
      const layer = resolved[i];
      const h = layer === 0 ? x : hidden.get(layer)!;
      return { epoch, layer, configuredLayer: configured, ...analyseLayer(h, y, analysis) };
    });
  } finally {
    tf.dispose([logits, ...hidden.values()]);
  }
}
