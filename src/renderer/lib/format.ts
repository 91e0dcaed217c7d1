// How the run list shows a run: data set, model, loss, date and status in a few words.
import { formatNumber } from '../../shared/charts';
import type { ExperimentConfig } from '../../shared/config';
import type { RunStatus } from '../../shared/results';

/** The last part of a path. */
function baseName(p: string): string {
  return p.replace(/[\\/]+$/, '').split(/[\\/]/).pop() || p;
}

/** The data set in a few words, e.g. "mnist (train, 30000)" or "sin(2πx), 1000 points". */
export function dataSetText(config: ExperimentConfig): string {
  const data = config.data;
  switch (data.kind) {
    case 'idx':
      return `${baseName(data.dir)} (${data.files}, ${data.trainSize})`;
    case 'synthetic': {
      const target =
        data.target.kind === 'sin'
          ? `sin(${formatNumber(data.target.m)}πx)`
          : data.target.frequencies.map((f) => `cos(${formatNumber(f)}x)`).join(' + ');
      return `${target}, ${data.trainSize} points`;
    }
    case 'cifar10':
      return `CIFAR-10 (${data.files}, ${data.trainSize})`;
    case 'arrays':
      return `${baseName(data.inputs)} (${data.task}${data.trainSize === null ? '' : `, ${data.trainSize}`})`;
    default:
      // a data kind added to the config after this screen
      return (data as { kind: string }).kind;
  }
}

/** Widths as "500×5" when all equal, else "64-32". */
function widthsText(widths: readonly number[]): string {
  return widths.length > 1 && widths.every((w) => w === widths[0]) ? `${widths[0]}×${widths.length}` : widths.join('-');
}

/** The model in a few words, e.g. "MLP 500×5 tanh" or "ResNet 64-128 + 256-128 relu". */
export function modelText(config: ExperimentConfig): string {
  const model = config.model;
  switch (model.kind) {
    case 'mlp':
      return `MLP ${widthsText(model.hidden)} ${model.activation}`;
    case 'resnet': {
      const widths = model.widths.slice(0, model.stages ?? model.widths.length);
      const head = model.hidden.length ? ` + ${widthsText(model.hidden)} ${model.activation}` : '';
      return `ResNet ${widths.join('-')}${head}`;
    }
    default:
      return (model as { kind: string }).kind;
  }
}

/** A loss for the table: "—" before the first epoch, "NaN" when it diverged. */
export function lossText(loss: number | null): string {
  if (loss === null) return '—';
  return formatNumber(loss);
}

/** A stored ISO timestamp as local "YYYY-MM-DD HH:MM". */
export function dateText(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}`;
}

/** Statuses of runs that are not over yet. */
export function isActive(status: RunStatus): boolean {
  return status === 'queued' || status === 'running';
}
