// Command-line door of the lab (`npm run lab -- <command>`): doctor, run, list, show, export,
// analyse. It drives the same service and store as the desktop app.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { presetNames } from '../shared/presets';
import { ConfigError, lossThreshold, type ExperimentConfig } from '../shared/config';
import { buildConfig } from './cli/config-input';
import { analyseCommand } from './cli/analyse';
import { doctorReport } from './cli/doctor';
import { formatRunDetail, formatRunList } from './cli/format';
import { createProgressFormatter } from './cli/progress';
import { LabService, processAlive } from './service';
import { defaultDatabasePath, openDatabase } from './store/database';
import { RunStore } from './store/runs';
import { writeRunCsv } from './export/csv';
import { writeChartPng, writeRunPng } from './export/png';
import { lossOption, peakByEpochOption } from '../shared/charts';
import { formatGroup, groupChartOption, groupFigures, parseSweepValues, runChartOption, runSweep } from './cli/sweep';
import { table } from './cli/format';

const usage = `Frequency Lab command line

  npm run lab -- doctor                         which compute backends load here, and why not
  npm run lab -- run --preset NAME [options]    train and analyse a run, store it
  npm run lab -- run --config FILE [options]
      --set field.path=value                    override one config field (repeatable)
      --backend auto|tensorflow-gpu|tensorflow|wasm|cpu
      --name TEXT                               name of the run
  npm run lab -- resume RUN                      continue an interrupted, failed or cancelled run from its
                                                checkpoint (its last analysed epoch); later epochs are redone
  npm run lab -- sweep --preset NAME --vary PATH --values JSON [options]
                                                one run per value of one setting, stored as a group
      --vary model.hidden --values '[[100,100,100],[100,100,100,100]]'
      --vary depth --values '[3,4,5]'           shorthand: an mlp's hidden layers, all as wide as the first
      --vary seed --values '[1,2,3]'            (any dotted config path; --set, --backend, --name as for run)
  npm run lab -- list [--status S] [--search TEXT] [--group G]
  npm run lab -- groups                         the sweep groups
  npm run lab -- show RUN | show --group G
  npm run lab -- config RUN > run.json          the run's full config as JSON (re-run it with --config)
  npm run lab -- export RUN --csv DIR           tidy CSV: metrics, LFR and RDF per epoch/layer/k
  npm run lab -- export RUN --png FILE [--figure rdf|peaks|loss|spectrum|peak-errors] [--epoch E]
                                                rdf: RDF per layer at the last analysed epoch (or E);
                                                peaks: RDF peak 1/delta per layer against epoch;
                                                loss: training loss and accuracy against epoch;
                                                spectrum: |DFT| of target and output (1-D data);
                                                peak-errors: relative error at the target's peaks
  npm run lab -- export --group G[,G2...] --png FILE [--figure ${groupFigures.join('|')}]
                                                threshold: epochs to the loss threshold per value;
                                                the others: mean over runs with a ± std band
  npm run lab -- analyse --data KIND [options]  LFR/RDF of a data set's own target (no training)
      --data sin --m 2 [--n 1000]               y = sin(m pi x) on [-1, 1]
      --data cos-sum --frequencies 3,5          y = cos(3x) + cos(5x)
      --data idx --dir DIR [--files t10k]       MNIST-format files (MNIST, Fashion-MNIST)
      --samples N  --k-min K --k-max K --count C  --normalisation none|mean-distance|unit-norm
      --csv FILE --png FILE

Common options: --db FILE (default $FREQLAB_DB or the user data folder)
Presets: ${presetNames.join(', ')}`;

/** Opens the run database; runs left running by a process that is gone show as interrupted. */
function openStore(dbOption: string | undefined): { store: RunStore; file: string } {
  const file = path.resolve(dbOption ?? defaultDatabasePath());
  const store = new RunStore(openDatabase(file));
  store.markInterruptedRuns(processAlive);
  return { store, file };
}

/** The options each command takes (--db and --help everywhere); anything else is an error. */
const commandOptions: Record<string, string[]> = {
  doctor: [],
  run: ['preset', 'config', 'set', 'backend', 'name'],
  sweep: ['preset', 'config', 'set', 'backend', 'name', 'vary', 'values'],
  resume: [],
  list: ['status', 'search', 'group'],
  groups: [],
  show: ['group'],
  config: [],
  export: ['csv', 'png', 'epoch', 'figure', 'group'],
  analyse: ['data', 'dir', 'files', 'm', 'n', 'frequencies', 'samples', 'k-min', 'k-max', 'count', 'normalisation', 'd0', 'seed', 'csv', 'png', 'backend'],
};
commandOptions.analyze = commandOptions.analyse;

/** Refuses options that the command does not take, naming the ones it does. */
function checkOptionsFor(command: string, given: Record<string, unknown>): void {
  const allowed = commandOptions[command];
  if (!allowed) return;
  const wrong = Object.keys(given).filter(
    (k) => k !== 'db' && k !== 'help' && !allowed.includes(k) && !(k === 'set' && (given.set as string[]).length === 0),
  );
  if (wrong.length) {
    const takes = allowed.length ? allowed.map((o) => `--${o}`).join(', ') : 'no options';
    throw new Error(`${command} does not take ${wrong.map((w) => `--${w}`).join(', ')} (it takes ${takes}, and --db)`);
  }
}

/** parseArgs errors in words a user can act on. */
function explainParseError(e: unknown): Error {
  const err = e as { code?: string; message?: string };
  const option = /'(-[^']*)'/.exec(err.message ?? '')?.[1];
  if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return new Error(`unknown option ${option ?? ''}; see: npm run lab -- help`);
  if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && /ambiguous/.test(err.message ?? '')) {
    return new Error(`the value of ${option ?? 'an option'} starts with "-": write it as ${option ?? '--option'}=-value`);
  }
  return new Error(err.message ?? String(e));
}

function positiveId(arg: string, what: string): number {
  const id = Number(arg);
  if (!Number.isInteger(id) || id < 1) throw new Error(`expected a ${what} id (a positive whole number), got "${arg}"`);
  return id;
}

function runId(arg: string | undefined): number {
  const id = Number(arg);
  if (!arg || !Number.isInteger(id) || id < 1) throw new Error(`expected a run id (a positive whole number), got "${arg ?? ''}"`);
  return id;
}

/** Prints a run's progress until it ends; Ctrl-C cancels it cleanly. Exit code 0 when completed. */
async function followRun(service: LabService, id: number, config: ExperimentConfig, db: string | undefined, cancelHint: string): Promise<number> {
  const progress = createProgressFormatter(config);
  service.events.on('run', (m) => {
    if (m.runId !== id || m.kind !== 'engine') return;
    const line = progress(m.event);
    if (line) console.log(line);
  });
  const stop = () => {
    console.log(`\ncancelling: the run stops after the current batch and keeps its finished epochs${cancelHint}`);
    void service.cancelRun({ runId: id });
  };
  process.once('SIGINT', stop);
  const outcome = await service.whenFinished(id);
  process.off('SIGINT', stop);
  console.log(`run ${id} ${outcome.status}: ${outcome.message}`);
  console.log(`see it with: npm run lab -- show ${id}${db ? ` --db ${db}` : ''}`);
  return outcome.status === 'completed' ? 0 : 1;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  let parsed;
  try {
    parsed = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      preset: { type: 'string' },
      config: { type: 'string' },
      set: { type: 'string', multiple: true, default: [] },
      backend: { type: 'string' },
      name: { type: 'string' },
      db: { type: 'string' },
      status: { type: 'string' },
      search: { type: 'string' },
      csv: { type: 'string' },
      png: { type: 'string' },
      epoch: { type: 'string' },
      figure: { type: 'string' },
      data: { type: 'string' },
      dir: { type: 'string' },
      files: { type: 'string' },
      m: { type: 'string' },
      n: { type: 'string' },
      frequencies: { type: 'string' },
      samples: { type: 'string' },
      'k-min': { type: 'string' },
      'k-max': { type: 'string' },
      count: { type: 'string' },
      normalisation: { type: 'string' },
      d0: { type: 'string' },
      seed: { type: 'string' },
      vary: { type: 'string' },
      values: { type: 'string' },
      group: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    });
  } catch (e) {
    throw explainParseError(e);
  }
  const { values, positionals } = parsed;
  if (command) checkOptionsFor(command, values);

  switch (command) {
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(usage);
      return 0;
    case 'doctor':
      console.log(await doctorReport());
      return 0;
    case 'run': {
      const overrides = [...(values.set ?? [])];
      if (values.backend) overrides.push(`backend=${values.backend}`);
      if (values.name) overrides.push(`name=${JSON.stringify(values.name)}`);
      const config = buildConfig({ preset: values.preset, configFile: values.config, overrides });
      const { store, file } = openStore(values.db);
      const service = new LabService(store, { baseDir: process.cwd() });
      const { runId: id } = await service.startRun({ config, name: config.name });
      console.log(`run ${id} stored in ${file}`);
      return followRun(service, id, config, values.db, '');
    }
    case 'resume': {
      const id = runId(positionals[0]);
      const { store, file } = openStore(values.db);
      const service = new LabService(store, { baseDir: process.cwd() });
      const { fromEpoch } = await service.resumeRun({ runId: id });
      const { config } = store.getRecord(id)!;
      console.log(`run ${id} in ${file}: resuming from its checkpoint at epoch ${fromEpoch} of ${config.training.stop.maxEpochs}`);
      return followRun(service, id, config, values.db, ' (resume it again later)');
    }
    case 'sweep': {
      const overrides = [...(values.set ?? [])];
      if (values.backend) overrides.push(`backend=${values.backend}`);
      if (values.name) overrides.push(`name=${JSON.stringify(values.name)}`);
      if (!values.vary) throw new Error('sweep needs --vary PATH (a dotted config path such as model.hidden, seed, or the shorthand depth)');
      const swept = parseSweepValues(values.values);
      const config = buildConfig({ preset: values.preset, configFile: values.config, overrides });
      const { store, file } = openStore(values.db);
      const service = new LabService(store, { baseDir: process.cwd() });
      console.log(`stored in ${file}`);
      return runSweep(service, { config, vary: { path: values.vary, values: swept }, name: config.name || values.preset }, values.db ? ` --db ${values.db}` : '');
    }
    case 'groups': {
      const { store } = openStore(values.db);
      const groups = store.listGroups();
      console.log(
        groups.length === 0
          ? 'no sweep groups stored yet'
          : table(
              ['group', 'name', 'varies', 'values', 'runs', 'created'],
              groups.map((g) => [g.id, g.name, g.varyPath, g.values.map((v) => JSON.stringify(v)).join(' '), g.runIds.join(','), g.createdAt.replace('T', ' ').slice(0, 19)]),
            ),
      );
      return 0;
    }
    case 'list': {
      const { store } = openStore(values.db);
      const groupId = values.group === undefined ? undefined : positiveId(values.group, 'group');
      if (groupId !== undefined && !store.getGroup(groupId)) throw new Error(`group ${groupId} does not exist`);
      const runs = store.listRuns({ status: values.status as never, search: values.search, groupId });
      console.log(formatRunList(runs));
      return 0;
    }
    case 'show': {
      const { store } = openStore(values.db);
      if (values.group !== undefined) {
        const service = new LabService(store, { baseDir: process.cwd() });
        console.log(formatGroup(await service.getGroup({ groupId: positiveId(values.group, 'group') })));
        return 0;
      }
      const run = store.getRun(runId(positionals[0]));
      if (!run) throw new Error(`run ${positionals[0]} does not exist`);
      console.log(formatRunDetail(run));
      return 0;
    }
    case 'config': {
      // The stored config as JSON: save it and run it again with --config.
      const { store } = openStore(values.db);
      const run = store.getRun(runId(positionals[0]));
      if (!run) throw new Error(`run ${positionals[0]} does not exist`);
      console.log(JSON.stringify(run.config, null, 2));
      return 0;
    }
    case 'export': {
      if (values.png !== undefined && path.extname(values.png).toLowerCase() !== '.png') {
        throw new Error(`--png ${values.png}: the file name must end in .png (the figure is written as PNG)`);
      }
      if (values.epoch !== undefined && !/^\d+$/.test(values.epoch)) {
        throw new Error(`--epoch must be an analysed epoch (a whole number >= 0), got "${values.epoch}"`);
      }
      const { store } = openStore(values.db);
      if (values.group !== undefined) {
        if (!values.png) throw new Error('export --group needs --png FILE');
        const service = new LabService(store, { baseDir: process.cwd() });
        // Several groups of the same sweep (e.g. one per seed) are drawn together: --group 1,2,3.
        const groups = await Promise.all(values.group.split(',').map((g) => service.getGroup({ groupId: positiveId(g.trim(), 'group') })));
        if (new Set(groups.map((g) => g.varyPath)).size > 1) throw new Error(`the groups vary different settings (${groups.map((g) => g.varyPath).join(', ')}): draw them one at a time`);
        const group = groups.length === 1 ? groups[0] : { ...groups[0], name: `groups ${groups.map((g) => g.id).join(', ')}`, runs: groups.flatMap((g) => g.runs) };
        const figure = values.figure ?? (group.runs.some((r) => r.epochsToThreshold !== undefined || lossThreshold(r.config.training) !== null) ? 'threshold' : 'loss');
        const file = path.resolve(values.png);
        await writeChartPng(groupChartOption(group, figure), file);
        console.log(`wrote ${file}`);
        return 0;
      }
      const id = runId(positionals[0]);
      const run = store.getRun(id);
      if (!run) throw new Error(`run ${id} does not exist`);
      if (!values.csv && !values.png) throw new Error('export needs --csv DIR and/or --png FILE');
      if (values.csv) for (const f of await writeRunCsv(run, path.resolve(values.csv))) console.log(`wrote ${f}`);
      if (values.png) {
        const file = path.resolve(values.png);
        const figure = values.figure ?? 'rdf';
        if (figure === 'rdf') await writeRunPng(run, file, values.epoch === undefined ? undefined : Number(values.epoch));
        else if (figure === 'peaks') await writeChartPng(peakByEpochOption(run), file);
        else if (figure === 'loss') await writeChartPng(lossOption([run]), file);
        else if (figure === 'spectrum' || figure === 'peak-errors') {
          await writeChartPng(runChartOption(run, figure, values.epoch === undefined ? undefined : Number(values.epoch)), file);
        } else throw new Error(`--figure must be rdf, peaks, loss, spectrum or peak-errors, got "${figure}"`);
        console.log(`wrote ${file}`);
      }
      return 0;
    }
    case 'analyse':
    case 'analyze':
      return analyseCommand(values);
    default:
      console.error(`unknown command "${command}"\n\n${usage}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof ConfigError) console.error(e.message);
    else console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
