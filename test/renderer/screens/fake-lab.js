// A stand-in for the preload's `window.lab`, injected into the built renderer (out/renderer) by
// shoot.mjs before the page's own scripts: in-memory runs with frequency results shaped like
// the quick MNIST experiment, one run training (events every few hundred ms), one queued.
// Options on window.__fakeLab before this runs: { saveFile: true } offers the desktop capability
// (saved files go to window.__fakeLabSaved), { empty: true } starts with no runs,
// { epochMs } sets the pace of simulated epochs.
(() => {
  const options = Object.assign({ saveFile: false, empty: false, epochMs: 700 }, window.__fakeLab || {});
  const listeners = new Set();
  const runs = new Map();
  const groups = [];
  let nextId = 1;
  let current = null;

  const grid = Array.from({ length: 100 }, (_, j) => 0.1 * Math.pow(1e4, j / 99));
  const iso = (ms) => new Date(ms).toISOString();
  const clone = (x) => JSON.parse(JSON.stringify(x));

  function config({ name, hidden = [500, 500, 500, 500, 500], maxEpochs = 40, data, lossBelow = 0.01, every = 5 }) {
    return {
      version: 1,
      name,
      seed: 1,
      data: data || { kind: 'idx', dir: 'data/mnist', files: 't10k', trainSize: 5000 },
      model: { kind: 'mlp', hidden, activation: 'tanh', output: 'linear', init: 'glorot-uniform' },
      training: {
        loss: 'mse',
        optimiser: { kind: 'adam', beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
        schedule: [{ fromEpoch: 1, rate: 1e-4 }],
        batchSize: 128,
        stop: { maxEpochs, lossBelow },
      },
      analysis: {
        layers: hidden.map((_, i) => i + 1),
        epochs: { every, at: [0], final: true },
        samples: 1000,
        deltaGrid: { kind: 'log-k', kMin: 0.1, kMax: 1000, count: 100 },
        normalisation: { kind: 'mean-distance', d0: 1 },
        blockRows: 256,
      },
      backend: 'auto',
    };
  }

  /** LFR rising along log k around kc; RDF at the midpoints; the peak. */
  function frequency(epoch, layer, depth, progress) {
    const kc = 14 * (1 - 0.88 * Math.pow(progress, 0.6) * (layer / depth)) + 0.3 * layer;
    const lfr = grid.map((k) => 0.1 + 0.9 / (1 + Math.exp(-(Math.log(k) - Math.log(kc)) / 0.5)));
    const rdfK = grid.slice(1).map((k, j) => (grid[j] + k) / 2);
    const rdf = grid.slice(1).map((k, j) => (lfr[j + 1] - lfr[j]) / (k - grid[j]));
    let peak = 0;
    rdf.forEach((v, j) => {
      if (v > rdf[peak]) peak = j;
    });
    return { epoch, layer, configuredLayer: layer, normalisation: { kind: 'mean-distance', d0: 1 }, scale: 0.7, k: grid, lfr, rdfK, rdf, peakK: rdfK[peak] };
  }

  function metricsAt(epoch, depth) {
    const tau = 80 / depth;
    const loss = 0.085 * Math.exp(-epoch / tau) + 0.0045 + 0.0008 * Math.sin(epoch);
    return { epoch, loss, accuracy: Math.min(0.995, 1 - 0.88 * Math.exp(-epoch / 6)), learningRate: 1e-4, seconds: 3.1 + 0.2 * Math.sin(epoch) };
  }

  function environment() {
    return { appVersion: '0.1.0', tfjsVersion: '4.22.0', backend: 'wasm', backendDetail: 'wasm (SIMD, 1 thread)', nodeVersion: 'v20.19.0', platform: 'linux', cpu: 'fake CPU', cpuCount: 2, memoryBytes: 8e9, gpu: null };
  }

  function addRun({ name, hidden, epochsDone, maxEpochs = 40, status, createdMs, data, tags = [], notes = '', message = null }) {
    const id = nextId++;
    const cfg = config({ name, hidden, maxEpochs, data });
    const depth = cfg.model.hidden.length;
    const run = {
      id,
      name,
      status,
      config: cfg,
      createdAt: iso(createdMs),
      startedAt: status === 'queued' ? null : iso(createdMs + 2000),
      finishedAt: status === 'queued' || status === 'running' ? null : iso(createdMs + 2000 + epochsDone * 3200),
      environment: status === 'queued' ? null : environment(),
      lastEpoch: status === 'queued' ? null : epochsDone,
      finalLoss: null,
      message,
      tags,
      notes,
      epochsToThreshold: null,
      metrics: [],
      frequencies: [],
    };
    if (status !== 'queued') {
      for (let e = 0; e <= epochsDone; e++) storeEpoch(run, e, depth);
    }
    runs.set(id, run);
    return run;
  }

  function storeEpoch(run, epoch, depth) {
    const cfg = run.config;
    if (epoch > 0) {
      const m = metricsAt(epoch, depth);
      run.metrics.push(m);
      run.finalLoss = m.loss;
      run.lastEpoch = epoch;
      if (run.epochsToThreshold === null && cfg.training.stop.lossBelow !== null && m.loss < cfg.training.stop.lossBelow) run.epochsToThreshold = epoch;
    } else run.lastEpoch = 0;
    const a = cfg.analysis.epochs;
    if (epoch === 0 || (a.every && epoch % a.every === 0) || a.at.includes(epoch) || epoch === cfg.training.stop.maxEpochs) {
      const progress = Math.min(1, epoch / 40);
      const layers = cfg.analysis.layers || cfg.model.hidden.map((_, i) => i + 1);
      return layers.map((l) => {
        const f = frequency(epoch, l, depth, progress);
        run.frequencies.push(f);
        return f;
      });
    }
    return [];
  }

  function emit(message) {
    for (const l of [...listeners]) setTimeout(() => l(clone(message)), 0);
  }

  function record(run) {
    const { metrics, frequencies, ...rest } = run;
    return clone(rest);
  }

  function startTraining(run) {
    current = run;
    run.status = 'running';
    run.startedAt = run.startedAt || iso(Date.now());
    run.environment = environment();
    emit({ runId: run.id, kind: 'engine', event: { type: 'started', environment: run.environment, analysisSamples: run.config.analysis.samples, trainSize: 5000 } });
    if (run.lastEpoch === null) {
      const f = storeEpoch(run, 0, run.config.model.kind === 'mlp' ? run.config.model.hidden.length : 3);
      emit({ runId: run.id, kind: 'engine', event: { type: 'epoch', epoch: 0, metrics: null, frequencies: f, analysisSeconds: 0.4 } });
    }
    let batch = 0;
    const batches = 40;
    const timer = setInterval(() => {
      if (current !== run) return clearInterval(timer);
      batch += 8;
      const epoch = (run.lastEpoch || 0) + 1;
      if (batch < batches) {
        emit({ runId: run.id, kind: 'engine', event: { type: 'batch', epoch, batch, batches } });
        return;
      }
      batch = 0;
      const depth = run.config.model.kind === 'mlp' ? run.config.model.hidden.length : 3;
      const f = storeEpoch(run, epoch, depth);
      emit({ runId: run.id, kind: 'engine', event: { type: 'epoch', epoch, metrics: run.metrics[run.metrics.length - 1], frequencies: f, analysisSeconds: 0.3 } });
      const below = run.config.training.stop.lossBelow;
      if (epoch >= run.config.training.stop.maxEpochs || (below !== null && run.finalLoss < below)) finish(run, 'completed', epoch >= run.config.training.stop.maxEpochs ? `reached ${epoch} epochs` : `training loss below ${below} at epoch ${epoch}`);
    }, options.epochMs / 5);
  }

  function finish(run, status, message) {
    run.status = status;
    run.message = message;
    run.finishedAt = iso(Date.now());
    if (current === run) current = null;
    emit({ runId: run.id, kind: 'finished', outcome: { status, message } });
    pump();
  }

  function pump() {
    if (current) return;
    const next = [...runs.values()].filter((r) => r.status === 'queued').sort((a, b) => a.id - b.id)[0];
    if (next) setTimeout(() => startTraining(next), 50);
  }

  if (!options.empty) {
    const day = 86400000;
    const t0 = Date.now() - 3 * day;
    addRun({ name: 'MNIST 5×500 quick', status: 'completed', epochsDone: 40, createdMs: t0, tags: ['baseline', 'mnist'], notes: 'Reference run for the deep frequency principle.', message: 'training loss below 0.01 at epoch 40' });
    addRun({ name: 'MNIST 3×500', hidden: [500, 500, 500], status: 'completed', epochsDone: 40, createdMs: t0 + 3600e3, tags: ['depth'] });
    addRun({ name: 'MNIST 7×500', hidden: Array(7).fill(500), status: 'completed', epochsDone: 40, createdMs: t0 + 7200e3, tags: ['depth'] });
    addRun({
      name: 'cos(3x)+cos(5x), 4 layers',
      hidden: [64, 64, 64, 64],
      status: 'failed',
      epochsDone: 3,
      createdMs: t0 + day,
      data: { kind: 'synthetic', target: { kind: 'cos-sum', frequencies: [3, 5] }, trainSize: 2000, interval: [-1, 1] },
      message: 'the wasm backend ran out of memory',
    });
    const running = addRun({ name: 'MNIST 5×500, lr 1e-4', status: 'running', epochsDone: 12, maxEpochs: 100, createdMs: Date.now() - 60e3 });
    running.startedAt = iso(Date.now() - 45e3);
    addRun({ name: 'MNIST 6×500', hidden: Array(6).fill(500), status: 'queued', epochsDone: 0, createdMs: Date.now() - 20e3 });
    setTimeout(() => startTraining(running), 300);
  }

  const find = (runId) => {
    const run = runs.get(runId);
    if (!run) throw new Error(`run ${runId} does not exist`);
    return run;
  };
  const later = (value) => new Promise((resolve) => setTimeout(() => resolve(value), 5));

  const lab = {
    async startRun({ config: cfg, name }) {
      const run = {
        id: nextId++,
        name: name ?? cfg.name ?? '',
        status: 'queued',
        config: clone(cfg),
        createdAt: iso(Date.now()),
        startedAt: null,
        finishedAt: null,
        environment: null,
        lastEpoch: null,
        finalLoss: null,
        message: null,
        tags: [],
        notes: '',
        epochsToThreshold: null,
        metrics: [],
        frequencies: [],
      };
      runs.set(run.id, run);
      emit({ runId: run.id, kind: 'queued' });
      pump();
      return later({ runId: run.id });
    },
    async cancelRun({ runId }) {
      const run = find(runId);
      if (run.status === 'queued' || run.status === 'running') finish(run, 'cancelled', run.status === 'queued' ? 'cancelled before it started' : 'cancelled');
      return later(undefined);
    },
    async listRuns(filter = {}) {
      let list = [...runs.values()].sort((a, b) => b.id - a.id);
      if (filter.status) list = list.filter((r) => r.status === filter.status);
      if (filter.groupId) list = list.filter((r) => r.groupId === filter.groupId);
      return later(list.map(record));
    },
    async getRun({ runId }) {
      return later(clone(find(runId)));
    },
    async renameRun({ runId, name }) {
      find(runId).name = name;
      return later(undefined);
    },
    async setRunTags({ runId, tags }) {
      find(runId).tags = [...tags];
      return later(undefined);
    },
    async setRunNotes({ runId, notes }) {
      find(runId).notes = notes;
      return later(undefined);
    },
    async deleteRun({ runId }) {
      const run = find(runId);
      if (run.status === 'queued' || run.status === 'running') throw new Error(`run ${runId} is queued or running: cancel it before deleting it`);
      runs.delete(runId);
      return later(undefined);
    },
    // Sweeps: one run per value of a top-level setting (enough for the screens), stored as a group.
    async startSweep({ config: cfg, vary, name }) {
      const groupId = groups.length + 1;
      const runIds = [];
      for (const value of vary.values) {
        const runConfig = clone(cfg);
        if (vary.path === 'depth') runConfig.model.hidden = Array.from({ length: value }, () => runConfig.model.hidden[0]);
        else runConfig[vary.path] = value;
        const { runId } = await lab.startRun({ config: runConfig, name: `${name || cfg.name || 'sweep'}: ${vary.path} = ${JSON.stringify(value)}` });
        runs.get(runId).groupId = groupId;
        runIds.push(runId);
      }
      const path = vary.path === 'depth' ? 'model.hidden' : vary.path;
      groups.unshift({ id: groupId, name: name || cfg.name || 'sweep', createdAt: iso(Date.now()), varyPath: path, values: clone(vary.values), baseConfig: clone(cfg), runIds });
      return later({ groupId, runIds });
    },
    async listGroups() {
      return later(clone(groups));
    },
    async getGroup({ groupId }) {
      const group = groups.find((g) => g.id === groupId);
      if (!group) throw new Error(`group ${groupId} does not exist`);
      return later({ ...clone(group), runs: group.runIds.filter((id) => runs.has(id)).map((id) => clone(runs.get(id))) });
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  if (options.saveFile) {
    window.__fakeLabSaved = [];
    lab.saveFile = async (request) => {
      window.__fakeLabSaved.push(request);
      return later({ saved: true, path: `/home/user/${request.fileName}` });
    };
  }
  Object.defineProperty(window, 'lab', { value: lab, configurable: false, writable: false });
})();
