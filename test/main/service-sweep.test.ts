import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, type ExperimentConfigInput } from '../../src/shared/config';
import { LabService } from '../../src/main/service';
import { openDatabase } from '../../src/main/store/database';
import { RunStore } from '../../src/main/store/runs';

const tiny: ExperimentConfigInput = {
  name: 'tiny depth',
  seed: 3,
  data: { kind: 'synthetic', target: { kind: 'cos-sum', frequencies: [1] }, trainSize: 32, interval: [-3.14, 3.14] },
  model: { kind: 'mlp', hidden: [8], activation: 'tanh' },
  training: { optimiser: { kind: 'adam' }, schedule: [{ fromEpoch: 1, rate: 1e-2 }], batchSize: 16, threshold: 10, stop: { maxEpochs: 2 } },
  analysis: { epochs: { at: [0] }, samples: 16, deltaGrid: { kind: 'log-k', kMin: 0.1, kMax: 100, count: 6 } },
  backend: 'wasm',
};

describe('LabService sweeps', () => {
  let dir: string;
  let store: RunStore;
  let service: LabService;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'lab-sweep-'));
    store = new RunStore(openDatabase(path.join(dir, 'runs.db')));
    service = new LabService(store, { baseDir: dir });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('queues one run per value, stores them as a group, and runs them one after another', async () => {
    const { groupId, runIds } = await service.startSweep({ config: tiny, vary: { path: 'depth', values: [1, 2, 3] } });
    expect(runIds).toHaveLength(3);
    const outcomes = await Promise.all(runIds.map((id) => service.whenFinished(id)));
    expect(outcomes.map((o) => o.status)).toEqual(['completed', 'completed', 'completed']);
    const group = await service.getGroup({ groupId });
    expect(group.varyPath).toBe('model.hidden');
    expect(group.values).toEqual([[8], [8, 8], [8, 8, 8]]);
    expect(group.runs.map((r) => r.config.model.hidden)).toEqual([[8], [8, 8], [8, 8, 8]]);
    expect(group.runs.map((r) => r.name)).toEqual(['tiny depth: model.hidden = [8]', 'tiny depth: model.hidden = 2×8', 'tiny depth: model.hidden = 3×8']);
    // threshold 10 is above any loss of this target: reached in epoch 1
    expect(group.runs.map((r) => r.epochsToThreshold)).toEqual([1, 1, 1]);
    // the analysis defaults to every hidden layer of each network
    expect(group.runs.map((r) => r.frequencies.filter((f) => f.epoch === 0).map((f) => f.layer))).toEqual([[1], [1, 2], [1, 2, 3]]);
    expect(group.runs.map((r) => (r.spectra ?? []).map((s) => s.epoch))).toEqual([[0, 2], [0, 2], [0, 2]]);
    for (let i = 1; i < 3; i++) expect(Date.parse(group.runs[i].startedAt!)).toBeGreaterThanOrEqual(Date.parse(group.runs[i - 1].finishedAt!));
    expect((await service.listRuns({ groupId })).map((r) => r.id).sort()).toEqual(runIds);
    expect((await service.listGroups({})).map((g) => g.id)).toEqual([groupId]);
  });

  it('rejects the whole sweep, creating nothing, when one value makes an invalid config', async () => {
    await expect(service.startSweep({ config: tiny, vary: { path: 'training.batchSize', values: [8, 0] } })).rejects.toThrow(ConfigError);
    await expect(service.startSweep({ config: tiny, vary: { path: 'training.batchSize', values: [8, 0] } })).rejects.toThrow(/training\.batchSize = 0 \(value 2/);
    expect(store.listRuns()).toEqual([]);
    expect(store.listGroups()).toEqual([]);
    await expect(service.getGroup({ groupId: 9 })).rejects.toThrow('group 9 does not exist');
  });
});
