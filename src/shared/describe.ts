// A run's data set and model in a few words, for lists and titles (CLI, renderer, charts).
// Pure string functions of the config.
import { keptStages, type DataConfig, type ModelConfig } from './config';

function trimNumber(x: number): string {
  return Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(4)));
}

function baseName(p: string): string {
  return p.replace(/[\\/]+$/, '').split(/[\\/]/).pop() || p;
}

/** e.g. "mnist (train, 30000)", "cos(3x) + cos(5x), 1000 points", "CIFAR-10 (40000 + 10000 val.)". */
export function dataText(data: DataConfig): string {
  switch (data.kind) {
    case 'idx':
      return `${baseName(data.dir)} (${data.files}, ${data.trainSize})`;
    case 'synthetic': {
      const target =
        data.target.kind === 'sin'
          ? `sin(${trimNumber(data.target.m)}πx)`
          : data.target.frequencies.map((f) => `cos(${trimNumber(f)}x)`).join(' + ');
      return `${target}, ${data.trainSize} points`;
    }
    case 'cifar10':
      return `CIFAR-10 ${data.files} (${data.trainSize}${data.validationSize ? ` + ${data.validationSize} val.` : ''})`;
    case 'arrays':
      return `${baseName(data.inputs)} → ${baseName(data.targets)} (${data.task}${data.trainSize !== null ? `, ${data.trainSize}` : ''}${data.validationSize ? ` + ${data.validationSize} val.` : ''})`;
  }
}

/** e.g. "MLP 500×5 tanh", "MLP 64-32 relu", "ResNet 4 stages [2,2,2,2] 64-512, head 256-128". */
export function modelText(model: ModelConfig): string {
  if (model.kind === 'mlp') {
    const w = model.hidden;
    const shape = w.every((x) => x === w[0]) && w.length > 1 ? `${w[0]}×${w.length}` : w.join('-');
    return `MLP ${shape} ${model.activation}`;
  }
  const s = keptStages(model);
  const head = model.hidden.length ? `, head ${model.hidden.join('-')}` : '';
  return `ResNet ${s} stage${s > 1 ? 's' : ''} [${model.blocks.slice(0, s).join(',')}] ${model.widths[0]}-${model.widths[s - 1]}${head}`;
}
