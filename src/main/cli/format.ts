// Plain-text formatting of runs for the terminal.
import { analysedLayers } from '../../shared/config';
import { dataText, modelText } from '../../shared/describe';
import type { RunDetail, RunRecord } from '../../shared/results';

/** Seconds as "1h02m", "3m05s" or "12.3s". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** A fixed-width text table. */
export function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? '').length)));
  return cells.map((r) => r.map((v, c) => v.padEnd(widths[c])).join('  ').trimEnd()).join('\n');
}

function num(v: number | null, digits = 4): string {
  return v === null ? '-' : v.toPrecision(digits);
}

/** One line per run, for `lab list`. */
export function formatRunList(runs: RunRecord[]): string {
  if (runs.length === 0) return 'no runs stored yet';
  return table(
    ['id', 'status', 'name', 'data', 'model', 'epochs', 'final loss', 'backend', 'created'],
    runs.map((r) => [
      r.id,
      r.status,
      r.name || '-',
      dataText(r.config.data),
      modelText(r.config.model),
      r.lastEpoch ?? '-',
      num(r.finalLoss),
      r.environment?.backend ?? '-',
      r.createdAt.replace('T', ' ').slice(0, 19),
    ]),
  );
}

/** A run's summary, metrics and RDF peaks, for `lab show`. */
export function formatRunDetail(run: RunDetail): string {
  const c = run.config;
  const lines = [
    `run ${run.id}: ${run.name || '(unnamed)'}`,
    `status:   ${run.status}${run.message ? ` — ${run.message}` : ''}`,
    `created:  ${run.createdAt}${run.finishedAt ? `, finished ${run.finishedAt}` : ''}`,
    `backend:  ${run.environment ? `${run.environment.backend} (${run.environment.backendDetail}); tfjs ${run.environment.tfjsVersion}; ${run.environment.cpu} x${run.environment.cpuCount}` : '-'}`,
    `seed:     ${c.seed}`,
    `data:     ${JSON.stringify(c.data)}`,
    `model:    ${JSON.stringify(c.model)}`,
    `training: loss ${c.training.loss}, ${c.training.optimiser.kind}, batch ${c.training.batchSize}, schedule ${c.training.schedule.map((s) => `${s.rate}@${s.fromEpoch}`).join(' ')}, stop ${JSON.stringify(c.training.stop)}`,
    `analysis: layers ${analysedLayers(c).join(',')}${c.analysis.layers ? '' : ' (default)'}, epochs ${JSON.stringify(c.analysis.epochs)}, ${c.analysis.samples} samples, normalisation ${JSON.stringify(c.analysis.normalisation)}, grid ${JSON.stringify(c.analysis.deltaGrid)}`,
    `(the full config as JSON, to re-run with --config: npm run lab -- config ${run.id})`,
    '',
  ];
  if (run.epochsToThreshold !== undefined) lines.splice(lines.length - 1, 0, `threshold: training loss first below ${c.training.threshold ?? c.training.stop.lossBelow} at epoch ${run.epochsToThreshold}`);
  if (run.checkpointEpoch != null) {
    const resumable = run.status === 'interrupted' || run.status === 'failed' || run.status === 'cancelled';
    lines.splice(lines.length - 1, 0, `checkpoint: epoch ${run.checkpointEpoch}${resumable ? ` (continue from it: npm run lab -- resume ${run.id})` : ''}`);
  }
  if (run.metrics.length) {
    const shown = run.metrics.length > 12 ? [...run.metrics.slice(0, 3), null, ...run.metrics.slice(-8)] : run.metrics;
    const validation = run.metrics.some((m) => m.validationLoss !== undefined);
    lines.push(
      table(
        ['epoch', 'loss', 'accuracy', ...(validation ? ['val. loss', 'val. acc.'] : []), 'lr', 'seconds'],
        shown.map((m) =>
          m
            ? [m.epoch, num(m.loss), num(m.accuracy), ...(validation ? [num(m.validationLoss ?? null), num(m.validationAccuracy ?? null)] : []), m.learningRate, m.seconds.toFixed(2)]
            : ['...', '', '', ...(validation ? ['', ''] : []), '', ''],
        ),
      ),
      '',
    );
  }
  const epochs = [...new Set(run.frequencies.map((f) => f.epoch))].sort((a, b) => a - b);
  const layers = [...new Set(run.frequencies.map((f) => f.layer))].sort((a, b) => a - b);
  if (epochs.length) {
    lines.push('RDF peak position (1/delta) per layer and epoch:');
    lines.push(
      table(
        ['epoch', ...layers.map((l) => (l === 0 ? 'input' : `layer ${l}`))],
        epochs.map((e) => [e, ...layers.map((l) => num(run.frequencies.find((f) => f.epoch === e && f.layer === l)?.peakK ?? null, 3))]),
      ),
    );
  }
  return lines.join('\n');
}
