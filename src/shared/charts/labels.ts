// Shared label formatting for the chart option builders: layer and run names, numbers,
// the normalisation and the delta grid. Pure string functions (no DOM, no Node).
import type { DeltaGridConfig, NormalisationConfig } from '../config';
import type { RunRecord } from '../results';

/** Colour-blind-safe series palette (Okabe-Ito, yellow dropped), shared by all charts. */
export const chartPalette = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#999999'];

/** The fixed colour of a layer index (0 = input), stable across epochs and runs. */
export function layerColor(layer: number): string {
  return chartPalette[Math.abs(layer) % chartPalette.length];
}

/** Legend name of an analysed layer: 'input' for layer 0, else 'layer N' counted from the input. */
export function layerName(layer: number): string {
  return layer === 0 ? 'input' : `layer ${layer}`;
}

/** A run's display name: its name, or 'run <id>' when it has none. */
export function runName(run: Pick<RunRecord, 'id' | 'name'>): string {
  return run.name.trim() === '' ? `run ${run.id}` : run.name;
}

/** A run's legend label, unique across runs that share a name: '#<id> <name>'. */
export function runLabel(run: Pick<RunRecord, 'id' | 'name'>): string {
  return run.name.trim() === '' ? `run ${run.id}` : `#${run.id} ${run.name}`;
}

/** A short human-readable number: up to 4 significant digits, exponent form outside 1e-3..1e5. */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const abs = Math.abs(x);
  if (abs >= 1e5 || abs < 1e-3) {
    const [mantissa, exponent] = x.toExponential(3).split('e');
    return `${trimZeros(mantissa)}e${Number(exponent)}`;
  }
  return trimZeros(x.toPrecision(4));
}

function trimZeros(s: string): string {
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

/** What a normalisation does, e.g. 'normalisation: mean pairwise sq. distance = 1'. */
export function normalisationText(n: NormalisationConfig): string {
  switch (n.kind) {
    case 'none':
      return 'normalisation: none';
    case 'mean-distance':
      return `normalisation: mean pairwise sq. distance = ${formatNumber(n.d0)}`;
    case 'unit-norm':
      return 'normalisation: unit L2 norm per sample';
  }
}

/** The delta grid's range and count, e.g. 'δ grid: 100 log-spaced points, 1/δ = 0.1 … 1000'. */
export function deltaGridText(grid: DeltaGridConfig): string {
  if (grid.kind === 'log-k') {
    return `δ grid: ${grid.count} log-spaced points, 1/δ = ${formatNumber(grid.kMin)} … ${formatNumber(grid.kMax)}`;
  }
  const k = grid.deltas.map((d) => 1 / d);
  return `δ grid: ${grid.deltas.length} listed points, 1/δ = ${formatNumber(Math.min(...k))} … ${formatNumber(Math.max(...k))}`;
}

/** Distinct normalisations, compared by value (stored per result; normally one per run). */
export function distinctNormalisations(list: NormalisationConfig[]): NormalisationConfig[] {
  const seen = new Map<string, NormalisationConfig>();
  for (const n of list) seen.set(JSON.stringify(n), n);
  return [...seen.values()];
}

/** One epoch in a title: 'epoch 0 (initialisation)' for epoch 0, else 'epoch N'. */
export function epochText(epoch: number): string {
  return epoch === 0 ? 'epoch 0 (initialisation)' : `epoch ${epoch}`;
}
