// Optimisers from the config, and the learning-rate changes of a piecewise schedule.
import * as tf from '@tensorflow/tfjs-core';
import type { TrainingConfig } from '../../shared/config';
import type { NamedFloats, OptimiserKind } from './checkpoint';
import { fusedAdamKernelName, type FusedAdamAttrs } from './wasm-kernels';

/** Whether the fused Adam step can run: the wasm backend with the native kernels (wasm-kernels.ts). */
export function fusedAdamAvailable(): boolean {
  return tf.getBackend() === 'wasm' && tf.getKernel(fusedAdamKernelName, 'wasm') !== undefined;
}

/**
 * tfjs's Adam with each variable's step done by one fused kernel where it is registered (wasm
 * with the native kernels): one pass over w, g, m and v instead of about twelve elementwise
 * kernels, bit-identical to tfjs's AdamOptimizer (same float32 operations in the same order;
 * test/main/engine/optimiser.test.ts). Elsewhere it is tfjs's Adam unchanged. Same class name,
 * fields and state, so checkpoints and getOptimiserState treat it as tfjs's.
 */
export class FusedAdamOptimizer extends tf.AdamOptimizer {
  override applyGradients(variableGradients: Parameters<tf.AdamOptimizer['applyGradients']>[0]): void {
    if (!fusedAdamAvailable()) {
      super.applyGradients(variableGradients);
      return;
    }
    const self = this as unknown as AdamInternals & FusedAdamAttrs;
    const names = Array.isArray(variableGradients) ? variableGradients.map((v) => v.name) : Object.keys(variableGradients);
    tf.tidy(() => {
      const c1 = tf.sub(1, self.accBeta1);
      const c2 = tf.sub(1, self.accBeta2);
      const attrs: FusedAdamAttrs = { beta1: self.beta1, beta2: self.beta2, learningRate: self.learningRate, epsilon: self.epsilon };
      names.forEach((name, i) => {
        const value = tf.engine().registeredVariables[name];
        // The slots, as tfjs's Adam creates them (same names, not trainable).
        self.accumulatedFirstMoment[i] ??= { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        self.accumulatedSecondMoment[i] ??= { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        const gradient = Array.isArray(variableGradients) ? variableGradients[i].tensor : variableGradients[name];
        if (gradient == null) return;
        const m = self.accumulatedFirstMoment[i].variable;
        const v = self.accumulatedSecondMoment[i].variable;
        const inputs = { w: value, g: gradient, m, v, c1, c2 } as unknown as tf.NamedTensorMap;
        const [w1, m1, v1] = tf.engine().runKernel(fusedAdamKernelName, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
        m.assign(m1);
        v.assign(v1);
        value.assign(w1);
      });
      self.accBeta1.assign(tf.mul(self.accBeta1, self.beta1));
      self.accBeta2.assign(tf.mul(self.accBeta2, self.beta2));
    });
    this.incrementIterations();
  }
}

/** A tfjs optimiser for the config, starting at `learningRate`. */
export function createOptimiser(cfg: TrainingConfig['optimiser'], learningRate: number): tf.Optimizer {
  switch (cfg.kind) {
    case 'adam':
      return new FusedAdamOptimizer(learningRate, cfg.beta1, cfg.beta2, cfg.epsilon);
    case 'sgd':
      return cfg.momentum > 0 ? tf.train.momentum(learningRate, cfg.momentum) : tf.train.sgd(learningRate);
  }
}

/** Frees an optimiser's tensors. tfjs 4.22's MomentumOptimizer.dispose does not call its
 *  parent's, which leaks the learning-rate scalar `c` of SGDOptimizer: free it here. */
export function disposeOptimiser(opt: tf.Optimizer): void {
  opt.dispose();
  if (opt.getClassName() === 'Momentum') {
    const c = (opt as unknown as { c?: tf.Tensor }).c;
    if (c && !c.isDisposed) c.dispose();
  }
}

/** Changes the learning rate of an optimiser in place (Adam reads it at each step; SGD and
 *  momentum keep it as a scalar tensor that setLearningRate replaces). */
export function setLearningRate(opt: tf.Optimizer, learningRate: number): void {
  const sgd = opt as unknown as { setLearningRate?: (lr: number) => void };
  if (typeof sgd.setLearningRate === 'function') {
    sgd.setLearningRate(learningRate);
  } else {
    (opt as unknown as { learningRate: number }).learningRate = learningRate;
  }
}

// ---------------------------------------------------------------------------------------------
// Optimiser state for checkpoints
//
// tfjs's getWeights()/setWeights() are asynchronous (the training loop is not) and setWeights
// recomputes Adam's accBeta1/2 as beta^(t+1) with pow(), which is not bit-identical to the
// running product that applyGradients keeps in float32. So the state is read and written here,
// synchronously, from the optimisers' own fields (tfjs-core 4.22: AdamOptimizer accBeta1,
// accBeta2, accumulatedFirstMoment, accumulatedSecondMoment; MomentumOptimizer accumulations;
// Optimizer iterations_), with their exact float32 values. A tfjs upgrade that renames them
// makes getOptimiserState throw, and the resume tests fail, rather than resume inexactly.
// ---------------------------------------------------------------------------------------------

/** One slot variable of an optimiser (tfjs's OptimizerVariable). */
interface Slot {
  originalName: string;
  variable: tf.Variable;
}

interface AdamInternals {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: Slot[];
  accumulatedSecondMoment: Slot[];
  iterations_?: number;
}

interface MomentumInternals {
  accumulations: Slot[];
  iterations_?: number;
}

/** An optimiser's state: kind, step count and its tensors, by name. */
export interface OptimiserState {
  kind: OptimiserKind;
  iterations: number;
  tensors: NamedFloats[];
}

function optimiserKind(opt: tf.Optimizer): OptimiserKind {
  // By class name: tfjs's optimisers answer `instanceof` for one another (Symbol.hasInstance
  // checks only for minimize/applyGradients).
  const name = opt.getClassName();
  if (name === 'Adam') return 'adam';
  if (name === 'Momentum') return 'momentum';
  if (name === 'SGD') return 'sgd';
  throw new Error(`checkpoints do not support the ${name} optimiser`);
}

function readSlot(slot: Slot): NamedFloats {
  return { name: slot.originalName, shape: [...slot.variable.shape], values: (slot.variable.dataSync() as Float32Array).slice() };
}

function readScalar(v: tf.Variable, name: string): NamedFloats {
  return { name, shape: [], values: (v.dataSync() as Float32Array).slice() };
}

/** A tfjs variable. Not `instanceof tf.Variable`: the process may load tfjs-core twice (its ES
 *  module and, through @tensorflow/tfjs, its CommonJS build), and variables made by the shared
 *  engine are of whichever copy created it. */
function isVariable(v: unknown): v is tf.Variable {
  return typeof v === 'object' && v !== null && typeof (v as tf.Variable).assign === 'function' && typeof (v as tf.Variable).dataSync === 'function';
}

function checkInternals(ok: boolean, kind: string): void {
  if (!ok) throw new Error(`the ${kind} optimiser of this tfjs version does not have the fields checkpoints read (see optimiser.ts)`);
}

/** The optimiser's state, exactly (see above). Adam: accBeta1, accBeta2, then the first moment
 *  of every variable, then the second; momentum: the accumulation of every variable. Slots are
 *  created by the first step, so before it there are none. */
export function getOptimiserState(opt: tf.Optimizer): OptimiserState {
  const kind = optimiserKind(opt);
  const iterations = opt.iterations;
  if (kind === 'adam') {
    const a = opt as unknown as AdamInternals;
    checkInternals(isVariable(a.accBeta1) && isVariable(a.accBeta2) && Array.isArray(a.accumulatedFirstMoment) && Array.isArray(a.accumulatedSecondMoment), 'adam');
    return {
      kind,
      iterations,
      tensors: [
        readScalar(a.accBeta1, 'adam/accBeta1'),
        readScalar(a.accBeta2, 'adam/accBeta2'),
        ...a.accumulatedFirstMoment.map(readSlot),
        ...a.accumulatedSecondMoment.map(readSlot),
      ],
    };
  }
  if (kind === 'momentum') {
    const m = opt as unknown as MomentumInternals;
    checkInternals(Array.isArray(m.accumulations), 'momentum');
    return { kind, iterations, tensors: m.accumulations.map(readSlot) };
  }
  return { kind, iterations, tensors: [] };
}

/**
 * Restores a state from getOptimiserState into a new optimiser of the same kind that has not
 * stepped yet. `variables` are the network's trainable variables in the order training passes
 * them to minimize (the slots are matched to them by position and name).
 */
export function setOptimiserState(opt: tf.Optimizer, state: OptimiserState, variables: readonly tf.Variable[]): void {
  const kind = optimiserKind(opt);
  if (state.kind !== kind) throw new Error(`the checkpoint holds the state of a ${state.kind} optimiser, but the run trains with ${kind}`);
  if (opt.iterations !== 0) throw new Error('optimiser state can only be restored into an optimiser that has not stepped yet');
  const byName = new Map(state.tensors.map((t) => [t.name, t]));
  if (byName.size !== state.tensors.length) throw new Error('the checkpoint\'s optimiser state names a tensor twice');
  // The names the state must hold: slots exist for every variable once the optimiser has
  // stepped, and for none before.
  const suffixes = kind === 'adam' ? ['m', 'v'] : kind === 'momentum' ? ['momentum'] : [];
  const stepped = suffixes.length > 0 && variables.length > 0 && byName.has(`${variables[0].name}/${suffixes[0]}`);
  const expected = new Map<string, readonly number[]>([
    ...(kind === 'adam' ? (['adam/accBeta1', 'adam/accBeta2'] as const).map((n) => [n, []] as [string, number[]]) : []),
    ...(stepped ? suffixes.flatMap((suffix) => variables.map((v) => [`${v.name}/${suffix}`, v.shape] as [string, number[]])) : []),
  ]);
  const missing = [...expected.keys()].filter((name) => !byName.has(name));
  const unknown = [...byName.keys()].filter((name) => !expected.has(name));
  const some = (names: string[]) => `${names.slice(0, 3).join(', ')}${names.length > 3 ? ` and ${names.length - 3} more` : ''}`;
  if (missing.length || unknown.length) {
    const problems = [missing.length ? `it lacks ${some(missing)}` : '', unknown.length ? `it has unknown ${some(unknown)}` : ''].filter(Boolean);
    throw new Error(`the checkpoint's ${kind} optimiser state does not fit this network: ${problems.join('; ')}`);
  }
  for (const [name, shape] of expected) {
    const t = byName.get(name)!;
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i]) || t.values.length !== shape.reduce((a, b) => a * b, 1)) {
      throw new Error(`the checkpoint's optimiser tensor ${name} has shape [${t.shape.join(', ')}] and ${t.values.length} values, expected [${shape.join(', ')}]`);
    }
  }
  // Everything checked: nothing below can fail half-way.
  const slots = (suffix: string): Slot[] =>
    variables.map((v) => ({
      originalName: `${v.name}/${suffix}`,
      variable: tf.tidy(() => tf.variable(tf.tensor(byName.get(`${v.name}/${suffix}`)!.values, v.shape, 'float32'), false)),
    }));
  if (kind === 'adam') {
    const a = opt as unknown as AdamInternals;
    checkInternals(isVariable(a.accBeta1) && isVariable(a.accBeta2) && Array.isArray(a.accumulatedFirstMoment) && Array.isArray(a.accumulatedSecondMoment), 'adam');
    tf.tidy(() => {
      a.accBeta1.assign(tf.scalar(byName.get('adam/accBeta1')!.values[0], 'float32'));
      a.accBeta2.assign(tf.scalar(byName.get('adam/accBeta2')!.values[0], 'float32'));
    });
    if (stepped) {
      a.accumulatedFirstMoment = slots('m');
      a.accumulatedSecondMoment = slots('v');
    }
  } else if (kind === 'momentum') {
    const m = opt as unknown as MomentumInternals;
    checkInternals(Array.isArray(m.accumulations), 'momentum');
    if (stepped) m.accumulations = slots('momentum');
  }
  (opt as unknown as { iterations_: number }).iterations_ = state.iterations;
}
