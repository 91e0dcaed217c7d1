// Choices offered by the compare charts: the layers (from the input, or from the output so
// that runs of different depth line up), the runs, and a valid epoch. Pure functions.
import { layerChoiceText, runDepth, storedLayers } from '../../shared/charts';
import { runLabel } from '../../shared/charts';
import type { RunDetail } from '../../shared/results';

export interface Choice {
  value: number;
  label: string;
}

/** Layer choices for one or more runs: the last hidden layer (-1, which lines up runs of
 *  different depth) and other layers the runs were configured to count from the output, then
 *  the stored layers counted from the input. */
export function layerChoices(runs: readonly RunDetail[]): Choice[] {
  const fromInput = [...new Set(runs.flatMap((r) => storedLayers(r)))].sort((a, b) => a - b);
  const depths = runs.map(runDepth).filter((d): d is number => d !== null);
  const minDepth = depths.length ? Math.min(...depths) : 0;
  const fromOutput = Array.from({ length: Math.min(minDepth, 6) }, (_, i) => -(i + 1));
  const stored = new Set(runs.flatMap((r) => r.frequencies.map((f) => f.configuredLayer)));
  return [
    ...fromOutput
      .filter((l) => (l === -1 || stored.has(l)) && runs.some((r) => storedLayers(r).includes((runDepth(r) ?? 0) + 1 + l)))
      .map((l) => ({ value: l, label: layerChoiceText(l) })),
    ...fromInput.map((l) => ({ value: l, label: layerChoiceText(l) })),
  ];
}

/** Run choices: '#3 name'. */
export function runChoices(runs: readonly RunDetail[]): Choice[] {
  return runs.map((r) => ({ value: r.id, label: runLabel(r) }));
}

/** `wanted` when it is among the choices, else the first choice (or `fallback` when there is none). */
export function validChoice(choices: readonly Choice[], wanted: number | null, fallback: number): number {
  if (wanted !== null && choices.some((c) => c.value === wanted)) return wanted;
  return choices[0]?.value ?? fallback;
}

/** The epoch to show: `wanted` when analysed, else the last analysed epoch (the most trained). */
export function validEpoch(epochs: readonly number[], wanted: number | null): number {
  if (wanted !== null && epochs.includes(wanted)) return wanted;
  return epochs[epochs.length - 1] ?? 0;
}
