// The model interface the trainer and the analysis use, whatever the architecture: trainable
// variables, a forward pass in training or inference mode that can hand back chosen hidden
// representations, and the number of analysable layers (config.modelDepth).
import * as tf from '@tensorflow/tfjs-core';
import { modelDepth, type ModelConfig } from '../../../shared/config';
import type { NamedFloats } from '../checkpoint';
import { createMlp, disposeMlp, forward as mlpForward } from './mlp';
import { createResnet } from './resnet';
import { assignVariables, readVariables } from './state';

/** The result of a forward pass. */
export interface NetworkOutput {
  /** Output pre-activation, [batch, outputs]. */
  logits: tf.Tensor2D;
  /** Requested hidden representations by layer index (1..depth), each flattened to [batch, features]. */
  hidden: Map<number, tf.Tensor2D>;
}

export interface Network {
  kind: ModelConfig['kind'];
  /** Trainable variables, in a stable order. */
  variables: tf.Variable[];
  /** Analysable layers, 1..depth from the input side (config.modelDepth). */
  depth: number;
  /** A short name for layer l (0 = the input), e.g. 'hidden 3' or 'stage 2 block 1'. */
  layerName(layer: number): string;
  /**
   * Forward pass on rows [batch, inputDim] (call inside tf.tidy). `training`: batch statistics in
   * batch normalisation, and their running averages are updated; otherwise the running averages
   * are used. `keep`: the hidden layers (1..depth) to return.
   */
  forward(x: tf.Tensor2D, opts: { training: boolean; keep?: readonly number[] }): NetworkOutput;
  /** Rows per forward pass when the analysis runs the network over its subset. */
  analysisChunk: number;
  /** The network's whole state, for a checkpoint: every trainable variable, then (resnet) the
   *  batch-norm running statistics, in a stable order, by variable name, as float32 copies. */
  getState(): NamedFloats[];
  /** Restores a state taken by getState from a network built from the same model config;
   *  throws naming the first variable that does not match (nothing is changed then). */
  setState(state: readonly NamedFloats[]): void;
  dispose(): void;
}

/** What a model needs to know about its data. */
export interface NetworkShape {
  inputDim: number;
  outputDim: number;
  /** Height, width, channels of each row as an image (channels last); needed by convolutional models. */
  imageShape?: [number, number, number] | null;
}

/** Builds the configured model with seeded initial weights. */
export function createNetwork(model: ModelConfig, shape: NetworkShape, seed: number): Network {
  if (model.kind === 'resnet') {
    if (!shape.imageShape) {
      throw new Error(
        `model.kind "resnet" needs image data: the data gives rows of ${shape.inputDim} values without an image shape ` +
          '(use idx or cifar10 data, or arrays with a 4-D .npy file or data.imageShape)',
      );
    }
    return createResnet(model, shape.imageShape, shape.outputDim, seed);
  }
  const net = createMlp(shape.inputDim, shape.outputDim, model, seed);
  const depth = modelDepth(model);
  return {
    kind: 'mlp',
    variables: net.variables,
    depth,
    layerName: (l) => (l === 0 ? 'input' : `hidden ${l}`),
    forward(x, opts) {
      const keep = opts.keep ?? [];
      const { logits, hidden } = mlpForward(net, x, keep.length > 0);
      const out = new Map<number, tf.Tensor2D>();
      for (const l of keep) {
        if (l < 1 || l > depth) throw new RangeError(`layer ${l} is not a hidden layer of this ${depth}-layer network`);
        out.set(l, hidden[l - 1]);
      }
      return { logits, hidden: out };
    },
    // The whole analysis subset in one pass, as the MLP always did.
    analysisChunk: Number.POSITIVE_INFINITY,
    getState: () => readVariables(net.variables),
    setState: (state) => assignVariables(net.variables, state),
    dispose: () => disposeMlp(net),
  };
}
