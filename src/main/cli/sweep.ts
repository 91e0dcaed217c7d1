// `lab sweep`, `lab show --group` and the figures of groups (and the 1-D spectrum figures of runs) for `lab export --figure`.
import type { EChartsOption } from 'echarts';
import { analysedEpochs, lossOption, rdfByLayerOption } from '../../shared/charts';
import { meanBandOption, peakLinesOption, thresholdOption, type BandMetric } from '../../shared/charts/sweep';
import { peakErrorOption, spectrumOption } from '../../shared/charts/spectrum';
import { lossThreshold, type ExperimentConfig } from '../../shared/config';
import type { GroupDetail, RunDetail } from '../../shared/results';
import { sweepConfigs, sweepValueText, valueAt } from '../../shared/sweep';
import type { LabService } from '../service';
import { formatDuration, table } from './format';
import { createProgressFormatter } from './progress';

/** Parses --values: a JSON list, e.g. '[[100,100,100],[100,100,100,100]]' or '[1,2,3]'. */
export function parseSweepValues(text: string | undefined): unknown[] {
  if (!text) throw new Error("sweep needs --values with a JSON list, e.g. --values '[3,4,5]'");
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new Error(`--values is not valid JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(v) || v.length === 0) throw new Error('--values must be a non-empty JSON list');
  return v;
}

function num(v: number | null | undefined, digits = 4): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '-' : v.toPrecision(digits);
}

/** One line per run of a group: the swept value and the run's results. */
export function formatGroup(group: GroupDetail): string {
  const lines = [
    `group ${group.id}: ${group.name}`,
    `varies:  ${group.varyPath} over ${group.values.map(sweepValueText).join(', ')}`,
    `created: ${group.createdAt}`,
    '',
  ];
  lines.push(
    table(
      ['value', 'run', 'status', 'epochs', 'final loss', 'epochs to threshold', 'val. loss', 'val. acc.', 'time'],
      group.runs.map((r) => {
        const last = r.metrics[r.metrics.length - 1];
        return [
          sweepValueText(valueAt(r.config, group.varyPath)),
          r.id,
          r.status,
          r.lastEpoch ?? '-',
          num(r.finalLoss),
          r.epochsToThreshold ?? (lossThreshold(r.config.training) === null ? 'no threshold' : 'not reached'),
          num(last?.validationLoss),
          num(last?.validationAccuracy),
          formatDuration(r.metrics.reduce((s, m) => s + m.seconds, 0)),
        ];
      }),
    ),
  );
  return lines.join('\n');
}

/** Starts a sweep through the service, prints progress per run, and waits for every run. */
export async function runSweep(
  service: LabService,
  request: { config: ExperimentConfig; vary: { path: string; values: unknown[] }; name?: string },
  dbHint: string,
): Promise<number> {
  const { groupId, runIds } = await service.startSweep(request);
  console.log(`group ${groupId}: ${runIds.length} runs queued (${runIds.join(', ')})`);
  const { configs } = sweepConfigs(request.config, request.vary);
  const formatters = new Map(runIds.map((id, i) => [id, createProgressFormatter(configs[i])]));
  service.events.on('run', (m) => {
    if (!runIds.includes(m.runId)) return;
    if (m.kind === 'finished') {
      console.log(`[run ${m.runId}] ${m.outcome.status}: ${m.outcome.message}`);
      return;
    }
    if (m.kind !== 'engine') return;
    const line = formatters.get(m.runId)!(m.event);
    if (line) console.log(line.split('\n').map((l) => `[run ${m.runId}] ${l}`).join('\n'));
  });
  const stop = () => {
    console.log('\ncancelling the sweep: the running run stops after its current batch, queued ones do not start');
    for (const id of runIds) void service.cancelRun({ runId: id }).catch(() => undefined);
  };
  process.once('SIGINT', stop);
  const outcomes = await Promise.all(runIds.map((id) => service.whenFinished(id)));
  process.off('SIGINT', stop);
  console.log('');
  console.log(formatGroup(await service.getGroup({ groupId })));
  console.log(`\nsee it with: npm run lab -- list --group ${groupId}${dbHint}; figures: npm run lab -- export --group ${groupId} --png FILE${dbHint}`);
  return outcomes.every((o) => o.status === 'completed') ? 0 : 1;
}

/** The figures `export --group G --figure` knows. */
export const groupFigures = ['threshold', 'loss', 'accuracy', 'validation-loss', 'validation-accuracy', 'peaks'] as const;

const bandMetrics: Record<string, BandMetric> = {
  loss: 'loss',
  accuracy: 'accuracy',
  'validation-loss': 'validationLoss',
  'validation-accuracy': 'validationAccuracy',
};

/** The echarts option of one run's figure. */
export function runChartOption(run: RunDetail, chart: string, epoch?: number): EChartsOption {
  switch (chart) {
    case 'rdf': {
      const epochs = analysedEpochs(run);
      const at = epoch ?? epochs[epochs.length - 1];
      if (at === undefined) throw new Error(`run ${run.id} has no frequency analysis to draw`);
      return rdfByLayerOption(run, at);
    }
    case 'loss':
      return lossOption([run]);
    case 'spectrum': {
      const spectra = run.spectra ?? [];
      if (!spectra.length) throw new Error(`run ${run.id} has no DFT spectra (they are recorded for 1-D regression data at analysed epochs)`);
      const s = epoch === undefined ? spectra[spectra.length - 1] : spectra.find((x) => x.epoch === epoch);
      if (!s) throw new Error(`run ${run.id} has no spectrum at epoch ${epoch} (recorded: ${spectra.map((x) => x.epoch).join(', ')})`);
      return spectrumOption(s, { title: `#${run.id} ${run.name}: DFT at epoch ${s.epoch}` });
    }
    case 'peak-errors': {
      const spectra = run.spectra ?? [];
      if (!spectra.length) throw new Error(`run ${run.id} has no DFT spectra (they are recorded for 1-D regression data at analysed epochs)`);
      return peakErrorOption(spectra, { title: `#${run.id} ${run.name}: relative error at the target's peaks` });
    }
    default:
      throw new Error(`--figure for a run must be rdf, loss, spectrum or peak-errors, not "${chart}"`);
  }
}

/** The echarts option of a group's figure. */
export function groupChartOption(group: GroupDetail, chart: string): EChartsOption {
  const valueOf = (r: RunDetail) => sweepValueText(valueAt(r.config, group.varyPath));
  if (chart === 'threshold') {
    const labels = [...new Set(group.runs.map(valueOf))];
    const thresholds = [...new Set(group.runs.map((r) => lossThreshold(r.config.training)))];
    return thresholdOption(
      labels.map((label) => ({ label, epochs: group.runs.filter((r) => valueOf(r) === label).map((r) => r.epochsToThreshold ?? null) })),
      {
        setting: group.varyPath === 'model.hidden' ? 'model.hidden (layers × width)' : group.varyPath,
        threshold: thresholds.length === 1 ? thresholds[0] : null,
        title: `${group.name}: epochs to reach the loss threshold`,
      },
    );
  }
  if (chart === 'peaks') {
    // The first analysed layer of each run (for a resnet by default the head input).
    return peakLinesOption(
      group.runs.map((r) => {
        const layer = r.frequencies[0]?.configuredLayer;
        return {
          name: `${group.varyPath} = ${valueOf(r)}`,
          points: r.frequencies.filter((f) => f.configuredLayer === layer).map((f) => ({ epoch: f.epoch, peakK: f.peakK })),
        };
      }),
      { title: `${group.name}: RDF peak of the analysed layer`, subtitle: 'first analysed layer of each run (resnet default: the fully connected head’s input)' },
    );
  }
  const metric = bandMetrics[chart];
  if (!metric) throw new Error(`--figure for a group must be one of ${groupFigures.join(', ')}, not "${chart}"`);
  // A seed sweep is one band over its seeds; any other sweep one line (band) per value.
  const bands =
    group.varyPath === 'seed'
      ? [{ name: `${group.runs.length} seeds`, runs: group.runs }]
      : [...new Set(group.runs.map(valueOf))].map((label) => ({ name: `${group.varyPath} = ${label}`, runs: group.runs.filter((r) => valueOf(r) === label) }));
  return meanBandOption(bands, metric, { title: `${group.name}: ${chart.replace('-', ' ')}` });
}
