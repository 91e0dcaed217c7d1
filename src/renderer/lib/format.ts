// How the run list shows a run: data set, model, loss, date and status in a few words.
import { formatNumber } from '../../shared/charts';
import type { ExperimentConfig } from '../../shared/config';
import type { RunStatus } from '../../shared/results';

/** The data set in a few words, e.g. "mnist (train, 30000)" or "sin(2πx), 1000 points". */
export function dataSetText(config: ExperimentConfig): string {
  const data = config.data;
  if (data.kind === 'idx') {
    const folder = data.dir.replace(/[\\/]+$/, '').split(/[\\/]/).pop() || data.dir;
    return `${folder} (${data.files}, ${data.trainSize})`;
  }
  const target =
    data.target.kind === 'sin'
      ? `sin(${formatNumber(data.target.m)}πx)`
      : data.target.frequencies.map((f) => `cos(${formatNumber(f)}x)`).join(' + ');
  return `${target}, ${data.trainSize} points`;
}

/** The model in a few words, e.g. "MLP 500×5 tanh" or "MLP 64-32 relu". */
export function modelText(config: ExperimentConfig): string {
  const widths = config.model.hidden;
  const shape = widths.every((w) => w === widths[0]) && widths.length > 1 ? `${widths[0]}×${widths.length}` : widths.join('-');
  return `MLP ${shape} ${config.model.activation}`;
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
