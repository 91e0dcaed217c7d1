// The experiment config: one typed, validated, serialisable description of a run.
// Shared by main, preload and renderer. Every field has a documented default; `parseConfig`
// rejects unknown fields and reports one message per offending field.
import { z } from 'zod';

// ---------------------------------------------------------------------------------------------
// Data
// ---------------------------------------------------------------------------------------------

/** MNIST-format IDX files (MNIST, Fashion-MNIST): `{prefix}-images-idx3-ubyte[.gz]` and
 *  `{prefix}-labels-idx1-ubyte[.gz]` in `dir`. */
const idxDataSchema = z.strictObject({
  kind: z.literal('idx'),
  /** Folder that holds the IDX files. Relative paths are resolved against the working folder. */
  dir: z.string().min(1, 'must name the folder that holds the IDX files'),
  /** Which pair of files: `train` (60000 images) or `t10k` (10000 images). */
  files: z.enum(['train', 't10k']).default('train'),
  /** How many samples to train on: a seeded random subset of the files (paper: 30000). */
  trainSize: z.number().int().positive(),
  /** Held-out validation samples, drawn first with the seed and never trained on; absent: none. */
  validationSize: z.number().int().min(0).optional(),
});

/** A one-dimensional regression target sampled on an interval. */
const syntheticTargetSchema = z.discriminatedUnion('kind', [
  /** y = sin(m * pi * x) */
  z.strictObject({ kind: z.literal('sin'), m: z.number().positive().finite() }),
  /** y = sum_f cos(f * x), e.g. frequencies [3, 5] for cos(3x) + cos(5x) (paper, section 4.3). */
  z.strictObject({
    kind: z.literal('cos-sum'),
    frequencies: z.array(z.number().finite()).min(1, 'needs at least one frequency'),
  }),
]);

const syntheticDataSchema = z
  .strictObject({
    kind: z.literal('synthetic'),
    target: syntheticTargetSchema,
    /** Number of evenly spaced samples on the interval (both ends included). */
    trainSize: z.number().int().min(2),
    /** Interval [lo, hi] of x. */
    interval: z.tuple([z.number().finite(), z.number().finite()]).default([-1, 1]),
  })
  .refine((d) => d.interval[0] < d.interval[1], {
    message: 'interval must be [lo, hi] with lo < hi',
    path: ['interval'],
  });

/** The standard CIFAR-10 binary archive (cifar-10-binary.tar.gz, 170052171 bytes) and its SHA-256. */
export const cifar10Archive = {
  url: 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz',
  sha256: 'c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd',
} as const;

/** Records in CIFAR-10's five training batches and in its test batch. */
export const cifar10Records = { train: 50000, test: 10000 } as const;

/** CIFAR-10, binary version: data_batch_1..5.bin (training) and test_batch.bin in `dir` or in
 *  `dir/cifar-10-batches-bin` (the layout of the archive). */
const cifar10DataSchema = z.strictObject({
  kind: z.literal('cifar10'),
  /** Folder with the batch files, or the cache folder the archive is downloaded into. */
  dir: z.string().min(1, 'must name the folder that holds the CIFAR-10 batch files'),
  /** Which files: the five training batches (50000 images) or the test batch (10000). */
  files: z.enum(['train', 'test']).default('train'),
  /** Training samples: a seeded random subset of what the validation split leaves (paper: 40000). */
  trainSize: z.number().int().positive().default(40000),
  /** Validation samples, drawn first with the seed and never trained on (paper: 10000). */
  validationSize: z.number().int().min(0).default(10000),
  /** When the files are missing: download the archive from `url` into `dir`, check its SHA-256,
   *  and unpack it. null: never download. */
  download: z
    .strictObject({
      url: z.string().min(1).default(cifar10Archive.url),
      sha256: z
        .string()
        .regex(/^[0-9a-fA-F]{64}$/, 'must be a SHA-256 checksum: 64 hexadecimal digits')
        .default(cifar10Archive.sha256),
    })
    .nullable()
    .default(null),
});

/** Data a user brings: a file of inputs and a file of targets, CSV (.csv, comma separated, one
 *  sample a row) or NumPy (.npy: float32, float64, uint8 or int64, C order), chosen by the
 *  file name's ending. */
const arraysDataSchema = z.strictObject({
  kind: z.literal('arrays'),
  /** Inputs: n rows of d numbers (CSV), or an array of n x d (or n x h x w x c images, .npy). */
  inputs: z.string().min(1, 'must name the file of inputs (.csv or .npy)'),
  /** Targets: n rows, one row per input. Regression: the values; classification: one class index (0, 1, ...) per row. */
  targets: z.string().min(1, 'must name the file of targets (.csv or .npy)'),
  task: z.enum(['regression', 'classification']).default('regression'),
  /** Whether the first line of a CSV file is a header to skip. */
  header: z.boolean().default(false),
  /** Training samples: a seeded random subset of the rows left after validation; null: all of them. */
  trainSize: z.number().int().positive().nullable().default(null),
  /** Validation samples, drawn first with the seed and never trained on. */
  validationSize: z.number().int().min(0).default(0),
  /** Height, width and channels of each input as an image (channels last), for convolutional
   *  models when the inputs are rows; null: taken from a 4-D .npy array, else none. */
  imageShape: z.tuple([z.number().int().positive(), z.number().int().positive(), z.number().int().positive()]).nullable().default(null),
});

export const dataSchema = z.discriminatedUnion('kind', [idxDataSchema, syntheticDataSchema, cifar10DataSchema, arraysDataSchema]);

// ---------------------------------------------------------------------------------------------
// Model
// ---------------------------------------------------------------------------------------------

export const hiddenActivations = ['tanh', 'relu', 'sigmoid', 'linear'] as const;
export const outputActivations = ['linear', 'softmax'] as const;
export const initialisers = ['glorot-uniform', 'glorot-normal', 'he-normal', 'lecun-normal'] as const;

const mlpSchema = z.strictObject({
  kind: z.literal('mlp'),
  /** Widths of the hidden layers, input side first (paper: five layers of 500). */
  hidden: z.array(z.number().int().positive()).min(1, 'needs at least one hidden layer'),
  /** Activation of every hidden layer. */
  activation: z.enum(hiddenActivations).default('tanh'),
  /** Activation of the output layer (paper's MNIST network: none, i.e. linear). */
  output: z.enum(outputActivations).default('linear'),
  /** Weight initialiser; biases start at zero. */
  init: z.enum(initialisers).default('glorot-uniform'),
});

/** ResNet of basic blocks (two 3x3 convolutions with batch normalisation, identity or 1x1
 *  projection shortcut) for images, then global average pooling and a fully connected head.
 *  Stem: 3x3 convolution (stride 1, CIFAR style, no max pooling) to widths[0] channels, batch
 *  normalisation, ReLU. Stage s > 1 starts with a stride-2 block. The paper's variants share one
 *  head: Resnet18-v keeps the first 5 - v stages (Resnet18-1: all four, the deepest; Resnet18-4:
 *  only the first, the shallowest). */
const resnetSchema = z
  .strictObject({
    kind: z.literal('resnet'),
    /** Channels of each residual stage, input side first (ResNet18: 64, 128, 256, 512). */
    widths: z.array(z.number().int().positive()).min(1, 'needs at least one stage').default([64, 128, 256, 512]),
    /** Basic blocks in each stage (ResNet18: 2, 2, 2, 2). */
    blocks: z.array(z.number().int().min(1)).min(1, 'needs at least one stage').default([2, 2, 2, 2]),
    /** How many stages, from the input side, the network keeps; null: all of them. */
    stages: z.number().int().min(1).nullable().default(null),
    /** Widths of the fully connected head's hidden layers (after global average pooling). */
    hidden: z.array(z.number().int().positive()).default([256, 128]),
    /** Activation of the head's hidden layers (the convolutional part always uses ReLU). */
    activation: z.enum(hiddenActivations).default('relu'),
    output: z.enum(outputActivations).default('softmax'),
    /** Initialiser of convolution and dense weights (fan-in counts kernel height x width x channels). */
    init: z.enum(initialisers).default('he-normal'),
    /** Batch normalisation: running = momentum * running + (1 - momentum) * batch statistic. */
    batchNorm: z
      .strictObject({
        momentum: z.number().min(0).lt(1).default(0.9),
        epsilon: z.number().positive().default(1e-5),
      })
      .default({ momentum: 0.9, epsilon: 1e-5 }),
  })
  .refine((m) => m.widths.length === m.blocks.length, {
    message: 'needs one entry per stage, as many as widths',
    path: ['blocks'],
  })
  .refine((m) => m.stages === null || m.stages <= m.widths.length, {
    message: 'cannot keep more stages than widths lists',
    path: ['stages'],
  });

export const modelSchema = z.discriminatedUnion('kind', [mlpSchema, resnetSchema]);

// ---------------------------------------------------------------------------------------------
// Training
// ---------------------------------------------------------------------------------------------

const adamSchema = z.strictObject({
  kind: z.literal('adam'),
  beta1: z.number().gt(0).lt(1).default(0.9),
  beta2: z.number().gt(0).lt(1).default(0.999),
  epsilon: z.number().positive().default(1e-8),
});
const sgdSchema = z.strictObject({
  kind: z.literal('sgd'),
  /** Heavy-ball momentum; 0 is plain SGD. */
  momentum: z.number().min(0).lt(1).default(0.9),
});
export const optimiserSchema = z.discriminatedUnion('kind', [adamSchema, sgdSchema]);

/** One step of a piecewise-constant learning-rate schedule: `rate` from epoch `fromEpoch` on. */
const scheduleStepSchema = z.strictObject({
  fromEpoch: z.number().int().min(1),
  rate: z.number().positive().finite(),
});

const scheduleSchema = z
  .array(scheduleStepSchema)
  .min(1, 'needs at least one step')
  .superRefine((steps, ctx) => {
    if (steps.length > 0 && steps[0].fromEpoch !== 1) {
      ctx.addIssue({ code: 'custom', message: 'the first step must start at epoch 1', path: [0, 'fromEpoch'] });
    }
    for (let i = 1; i < steps.length; i++) {
      if (steps[i].fromEpoch <= steps[i - 1].fromEpoch) {
        ctx.addIssue({
          code: 'custom',
          message: `steps must start at increasing epochs (${steps[i].fromEpoch} after ${steps[i - 1].fromEpoch})`,
          path: [i, 'fromEpoch'],
        });
      }
    }
  });

const stopSchema = z.strictObject({
  /** Hard limit on the number of training epochs. */
  maxEpochs: z.number().int().positive(),
  /** Stop once the epoch's mean training loss is below this value (paper: 1e-2); null: never. */
  lossBelow: z.number().positive().finite().nullable().default(null),
});

const trainingSchema = z.strictObject({
  /** Training loss whose first crossing is recorded as the run's epochsToThreshold (paper 4.3);
   *  null: stop.lossBelow. Unlike stop.lossBelow it does not stop the run. */
  threshold: z.number().positive().finite().nullable().optional(),
  /** `mse`: mean over samples and outputs of the squared error against one-hot / target values
   *  (PyTorch's MSELoss). `cross-entropy`: softmax cross-entropy, needs model.output = softmax. */
  loss: z.enum(['mse', 'cross-entropy']).default('mse'),
  optimiser: optimiserSchema,
  schedule: scheduleSchema,
  batchSize: z.number().int().positive(),
  stop: stopSchema,
});

// ---------------------------------------------------------------------------------------------
// Analysis
// ---------------------------------------------------------------------------------------------

/** The grid of Gaussian widths delta, described by k = 1/delta (method.md section 1). */
const deltaGridSchema = z.discriminatedUnion('kind', [
  /** `count` values of k = 1/delta, evenly spaced in log k between kMin and kMax. */
  z
    .strictObject({
      kind: z.literal('log-k'),
      kMin: z.number().positive().finite(),
      kMax: z.number().positive().finite(),
      count: z.number().int().min(2).max(10000),
    })
    .refine((g) => g.kMin < g.kMax, { message: 'kMin must be below kMax', path: ['kMax'] }),
  /** An explicit list of delta values (positive, no duplicates). */
  z
    .strictObject({
      kind: z.literal('list'),
      deltas: z.array(z.number().positive().finite()).min(2, 'needs at least two delta values'),
    })
    .refine((g) => new Set(g.deltas).size === g.deltas.length, {
      message: 'delta values must be distinct',
      path: ['deltas'],
    }),
]);

/** How hidden-layer outputs are scaled before distances are taken (method.md section 2). */
const normalisationSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('none') }),
  /** One scalar per layer and snapshot so the mean pairwise squared distance equals d0. */
  z.strictObject({ kind: z.literal('mean-distance'), d0: z.number().positive().finite().default(1) }),
  /** Each sample scaled to unit L2 norm. */
  z.strictObject({ kind: z.literal('unit-norm') }),
]);

const analysisSchema = z.strictObject({
  /** Hidden layers to analyse: 1..L from the input, -1..-L from the output, 0 for the input.
   *  Left out: the model's default (analysedLayers): every hidden layer of an mlp; a resnet's
   *  pooled features, the input of its fully connected head. */
  layers: z
    .array(z.number().int())
    .min(1, 'needs at least one layer')
    .refine((l) => new Set(l).size === l.length, 'layers must be distinct')
    .optional(),
  /** Epochs at which to analyse: every `every` epochs (null: never), each of `at`, and the last
   *  epoch of the run when `final` is set. Epoch 0 is before any update. */
  epochs: z.strictObject({
    every: z.number().int().positive().nullable().default(null),
    at: z.array(z.number().int().min(0)).default([0]),
    final: z.boolean().default(true),
  }),
  /** Size of the fixed random analysis subset of the training data (authors: 5000). */
  samples: z.number().int().min(2),
  deltaGrid: deltaGridSchema,
  normalisation: normalisationSchema.default({ kind: 'mean-distance', d0: 1 }),
  /** Rows per block of the n x n kernel: memory is blockRows * n floats per block. */
  blockRows: z.number().int().positive().default(256),
  /** The classic frequency-principle view for 1-D regression data (one input, one output): the
   *  DFT of target and output on the training grid, and the relative error at the target's peak
   *  frequencies, at each analysed epoch. Peaks: local maxima of |DFT(target)| (index >= 1) of at
   *  least `peakFraction` of the largest, at most `maxPeaks` of them. */
  spectrum: z
    .strictObject({
      enabled: z.boolean().default(true),
      peakFraction: z.number().gt(0).max(1).default(0.1),
      maxPeaks: z.number().int().min(1).max(64).default(8),
    })
    .optional(),
});

// ---------------------------------------------------------------------------------------------
// The whole config
// ---------------------------------------------------------------------------------------------

export const backendNames = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;

export const experimentConfigSchema = z
  .strictObject({
    /** Config format version, for migrating stored configs later. */
    version: z.literal(1).default(1),
    name: z.string().max(200).default(''),
    /** Seeds the initial weights, the data subsets and the batch order. */
    seed: z.number().int().min(0).max(2 ** 32 - 1),
    data: dataSchema,
    model: modelSchema,
    training: trainingSchema,
    analysis: analysisSchema,
    /** Compute backend: `auto` tries tensorflow-gpu, tensorflow, wasm, cpu in that order. */
    backend: z.enum(backendNames).default('auto'),
  })
  .superRefine((c, ctx) => {
    // zod runs this refinement even when a field already failed a continuable check (a size of
    // 0, an empty list). Cross-field checks therefore only use fields that are valid on their own,
    // so that one mistake gives one message, on the field that is wrong.
    const valid = (schema: z.ZodType, value: unknown) => schema.safeParse(value).success;
    if (c.training.loss === 'cross-entropy' && c.model.output !== 'softmax') {
      ctx.addIssue({
        code: 'custom',
        path: ['training', 'loss'],
        message: 'cross-entropy needs model.output = "softmax"',
      });
    }
    const depth = valid(modelSchema, c.model) ? modelDepth(c.model) : c.model.kind === 'mlp' ? c.model.hidden.length : 0; // an empty list has its own message
    const resolvedLayers = new Map<number, number>(); // resolved index -> position of its first mention
    (c.analysis.layers ?? []).forEach((l, i) => {
      if (depth >= 1 && l <= depth && l >= -depth) {
        const resolved = resolveLayerIndex(l, depth);
        const first = resolvedLayers.get(resolved);
        if (first !== undefined && c.analysis.layers![first] !== l) {
          ctx.addIssue({
            code: 'custom',
            path: ['analysis', 'layers', i],
            message: `layer ${l} is layer ${resolved}, already listed as ${c.analysis.layers![first]}: each layer once`,
          });
        } else if (first === undefined) {
          resolvedLayers.set(resolved, i);
        }
      }
      if (depth >= 1 && (l > depth || l < -depth)) {
        ctx.addIssue({
          code: 'custom',
          path: ['analysis', 'layers', i],
          message:
            c.model.kind === 'mlp'
              ? `layer ${l} does not exist: the model has ${depth} hidden layers (use 0..${depth} or -${depth}..-1)`
              : `layer ${l} does not exist: the model has ${depth} analysable layers (use 0..${depth} or -${depth}..-1; ${resnetLayerHelp(c.model)})`,
        });
      }
    });
    const trainSizeSchema =
      c.data.kind === 'idx'
        ? idxDataSchema.shape.trainSize
        : c.data.kind === 'synthetic'
          ? syntheticDataSchema.shape.trainSize
          : c.data.kind === 'cifar10'
            ? cifar10DataSchema.shape.trainSize
            : z.number().int().positive();
    if (c.data.trainSize !== null && valid(trainSizeSchema, c.data.trainSize) && c.analysis.samples > c.data.trainSize) {
      ctx.addIssue({
        code: 'custom',
        path: ['analysis', 'samples'],
        message: `analysis subset (${c.analysis.samples}) is larger than the training data (${c.data.trainSize})`,
      });
    }
    if (c.data.kind === 'idx') {
      const available = c.data.files === 'train' ? 60000 : 10000;
      if (c.data.trainSize + (c.data.validationSize ?? 0) > available) {
        ctx.addIssue({
          code: 'custom',
          path: ['data', 'trainSize'],
          message: `${c.data.trainSize} is more than the ${available} images of the standard ${c.data.files} files`,
        });
      }
    }
    if (c.data.kind === 'cifar10') {
      const available = cifar10Records[c.data.files];
      if (c.data.trainSize + c.data.validationSize > available) {
        ctx.addIssue({
          code: 'custom',
          path: ['data', 'trainSize'],
          message: `${c.data.trainSize} training + ${c.data.validationSize} validation samples are more than the ${available} images of the CIFAR-10 ${c.data.files} files`,
        });
      }
    }
    if (c.model.kind === 'resnet' && c.data.kind === 'synthetic') {
      ctx.addIssue({ code: 'custom', path: ['model', 'kind'], message: 'a resnet needs image data (idx, cifar10, or arrays with an image shape), not 1-D synthetic data' });
    }
    const maxEpochsValid = valid(stopSchema.shape.maxEpochs, c.training.stop.maxEpochs);
    c.analysis.epochs.at.forEach((e, i) => {
      if (maxEpochsValid && e > c.training.stop.maxEpochs) {
        ctx.addIssue({
          code: 'custom',
          path: ['analysis', 'epochs', 'at', i],
          message: `epoch ${e} is after the last epoch (${c.training.stop.maxEpochs})`,
        });
      }
    });
  });

export type ExperimentConfig = z.output<typeof experimentConfigSchema>;
/** A config as a user writes it: fields with defaults may be left out. */
export type ExperimentConfigInput = z.input<typeof experimentConfigSchema>;
export type DataConfig = ExperimentConfig['data'];
export type ModelConfig = ExperimentConfig['model'];
export type TrainingConfig = ExperimentConfig['training'];
export type AnalysisConfig = ExperimentConfig['analysis'];
export type DeltaGridConfig = AnalysisConfig['deltaGrid'];
export type NormalisationConfig = AnalysisConfig['normalisation'];
export type BackendName = ExperimentConfig['backend'];
export type HiddenActivation = (typeof hiddenActivations)[number];
export type MlpConfig = Extract<ModelConfig, { kind: 'mlp' }>;
export type ResnetConfig = Extract<ModelConfig, { kind: 'resnet' }>;
export type Cifar10DataConfig = Extract<DataConfig, { kind: 'cifar10' }>;
export type ArraysDataConfig = Extract<DataConfig, { kind: 'arrays' }>;
export type SpectrumConfig = NonNullable<AnalysisConfig['spectrum']>;

/** The spectrum settings in force (the documented defaults when left out). */
export function spectrumSettings(analysis: AnalysisConfig): SpectrumConfig {
  return analysis.spectrum ?? { enabled: true, peakFraction: 0.1, maxPeaks: 8 };
}

/** The training loss whose first crossing is the run's epochsToThreshold (null: none). */
export function lossThreshold(training: TrainingConfig): number | null {
  return training.threshold ?? training.stop.lossBelow;
}

/** Residual stages a resnet keeps (the first `stages`, or all). */
export function keptStages(model: ResnetConfig): number {
  return model.stages ?? model.widths.length;
}

/** Basic blocks of the stages a resnet keeps. */
export function keptBlocks(model: ResnetConfig): number {
  return model.blocks.slice(0, keptStages(model)).reduce((a, b) => a + b, 0);
}

/**
 * Number of analysable layers (hidden representations), counted 1..depth from the input side.
 * mlp: its hidden layers. resnet: 1 = stem, 2..B+1 = the outputs of its B kept residual blocks,
 * B+2 = the globally pooled features (the input of the fully connected head: the learning
 * component formed by the last fully connected layers), then the head's hidden layers.
 */
export function modelDepth(model: ModelConfig): number {
  if (model.kind === 'mlp') return model.hidden.length;
  return 1 + keptBlocks(model) + 1 + model.hidden.length;
}

/** The layer index of a resnet's pooled features (the head's input), counted from the output. */
export function resnetHeadInputLayer(model: ResnetConfig): number {
  return -(model.hidden.length + 1);
}

/** The layers a run analyses: the configured ones, or the model's default when left out. */
export function analysedLayers(config: Pick<ExperimentConfig, 'model' | 'analysis'>): number[] {
  if (config.analysis.layers) return config.analysis.layers;
  if (config.model.kind === 'mlp') return config.model.hidden.map((_, i) => i + 1);
  return [resnetHeadInputLayer(config.model)];
}

function resnetLayerHelp(model: ModelConfig): string {
  if (model.kind !== 'resnet') return '';
  return `the head's input is layer ${resnetHeadInputLayer(model)}`;
}

/** One problem with a config: the dotted path of the field and what was expected. */
export interface ConfigIssue {
  path: string;
  message: string;
}

export class ConfigError extends Error {
  constructor(
    readonly issues: ConfigIssue[],
    readonly source = 'config',
  ) {
    super(`invalid ${source}:\n${issues.map((i) => `  ${i.path || '(root)'}: ${i.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export type ParseResult = { ok: true; config: ExperimentConfig } | { ok: false; issues: ConfigIssue[] };

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
}

/** Validates anything (parsed JSON, an IPC payload) as an experiment config, filling defaults. */
export function parseConfig(input: unknown): ParseResult {
  const r = experimentConfigSchema.safeParse(input);
  if (r.success) return { ok: true, config: r.data };
  const issues: ConfigIssue[] = [];
  const seen = new Set<string>();
  for (const issue of r.error.issues) {
    // Unknown keys are reported once per key, under the key's own path.
    const paths =
      issue.code === 'unrecognized_keys'
        ? issue.keys.map((k) => ({ path: formatPath([...issue.path, k]), message: 'unknown field' }))
        : [{ path: formatPath(issue.path), message: issue.message }];
    for (const p of paths) {
      if (seen.has(p.path)) continue; // one message per field
      seen.add(p.path);
      issues.push(p);
    }
  }
  return { ok: false, issues };
}

/** Like parseConfig, but throws a ConfigError naming every offending field. */
export function validateConfig(input: unknown, source = 'config'): ExperimentConfig {
  const r = parseConfig(input);
  if (!r.ok) throw new ConfigError(r.issues, source);
  return r.config;
}

/** Hidden-layer index as 1..L (0 is the input) from a config index that may count from the output. */
export function resolveLayerIndex(layer: number, depth: number): number {
  return layer < 0 ? depth + 1 + layer : layer;
}

/** The values of k = 1/delta of the grid, ascending. */
export function deltaGridK(grid: DeltaGridConfig): number[] {
  if (grid.kind === 'list') return grid.deltas.map((d) => 1 / d).sort((a, b) => a - b);
  const { kMin, kMax, count } = grid;
  // k_j = kMin * (kMax / kMin)^(j / (count - 1))
  return Array.from({ length: count }, (_, j) => kMin * Math.pow(kMax / kMin, j / (count - 1)));
}

/** The learning rate in force at a (1-based) epoch. */
export function learningRateAt(schedule: TrainingConfig['schedule'], epoch: number): number {
  let rate = schedule[0].rate;
  for (const step of schedule) if (epoch >= step.fromEpoch) rate = step.rate;
  return rate;
}

/** Whether the analysis runs at `epoch` (the final epoch is decided by the trainer). */
export function isScheduledAnalysisEpoch(epochs: AnalysisConfig['epochs'], epoch: number): boolean {
  if (epochs.at.includes(epoch)) return true;
  return epochs.every !== null && epoch > 0 && epoch % epochs.every === 0;
}
