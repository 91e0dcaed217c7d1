// Case 4: the time RunStore.saveEpoch takes to store one epoch's results (its metrics and the
// frequency curves of five layers on a 100-point delta grid) in a fresh run database file, like
// the app does after every analysed epoch. `--epochs` saves, each for the next epoch.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeEnvironment } from '../../src/main/engine/environment';
import { openDatabase } from '../../src/main/store/database';
import { RunStore } from '../../src/main/store/runs';
import { deltaGridK, validateConfig } from '../../src/shared/config';
import { ratioDensity, rdfPeak } from '../../src/shared/frequency-math';
import { presets } from '../../src/shared/presets';
import type { LayerFrequency } from '../../src/shared/results';
import { argValue } from '../lib/args';
import { RESULT_PREFIX } from '../lib/child';
import { peakRssBytes } from '../lib/memory';

const epochs = Number(argValue('--epochs', '20'));
const layers = Number(argValue('--layers', '5'));

function frequencies(epoch: number): LayerFrequency[] {
  const config = validateConfig(presets['mnist-fc']);
  const k = deltaGridK(config.analysis.deltaGrid);
  return Array.from({ length: layers }, (_, l) => {
    // A plausible LFR curve: from 0.1 to 1 along log k, shifted per layer and epoch.
    const lfr = k.map((kj) => 0.1 + 0.9 / (1 + Math.exp(-(Math.log(kj) - l * 0.3 - epoch * 0.01))));
    const { rdfK, rdf } = ratioDensity(k, lfr);
    return {
      epoch,
      layer: l + 1,
      configuredLayer: l + 1,
      normalisation: config.analysis.normalisation,
      scale: 0.05 + 0.01 * l,
      k,
      lfr,
      rdfK,
      rdf,
      peakK: rdfPeak(rdfK, rdf),
    };
  });
}

function main(): void {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'frequency-lab-bench-db-'));
  try {
    const db = openDatabase(path.join(dir, 'runs.db'));
    const store = new RunStore(db);
    const id = store.createRun(presets['mnist-fc'], 'bench storage');
    store.markStarted(id, describeEnvironment({ backend: 'cpu', detail: 'bench', gpu: null, probes: [] }), process.pid);
    const seconds: number[] = [];
    for (let e = 0; e <= epochs; e++) {
      const f = frequencies(e);
      const metrics = e === 0 ? null : { epoch: e, loss: 1 / (e + 1), accuracy: 0.5, learningRate: 1e-5, seconds: 30 };
      const t0 = performance.now();
      store.saveEpoch(id, metrics, f);
      const s = (performance.now() - t0) / 1000;
      if (e > 0) seconds.push(s); // epoch 0 also prepares the statements' first use
    }
    db.close();
    const result = { epochs, layers, points: deltaGridK(presets['mnist-fc'].analysis.deltaGrid).length, seconds, peakRssBytes: peakRssBytes() };
    process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
