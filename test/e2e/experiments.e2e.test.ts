// The paper's experiments from the app's setup form, in browser mode in a real Chromium: every
// preset (MNIST, the ResNet18 variants on CIFAR-10, the 1-D fits) loads into the form without a
// message and with usable fields (no JSON box); the resnet, cifar10 and arrays fields show the
// config schema's own messages; and two tiny runs start from the form and complete: (a) a ResNet
// of two 4/8-channel stages on generated CIFAR-10 batch files (1 label byte + 3072 pixel bytes
// per record), (b) an MLP on the user's own CSV arrays. Small on purpose (seconds of training);
// needs /usr/bin/chromium, nothing else.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { WsLabClient } from '../../src/renderer/lib/api-client';
import { checkDraft, draftFromPreset, friendlyMessage, messagesAt, setAt } from '../../src/renderer/lib/config-form';
import { presetNames, type PresetName } from '../../src/shared/presets';
import { hasChromium, launchBrowser, nodeLabClient, screenshot, startServeDoor, type Browser, type ServeDoor } from './support';

const patient = { timeout: 30_000, interval: 100 };

/** Records of a CIFAR-10 batch file: label byte, then 1024 red, 1024 green, 1024 blue bytes.
 *  The label decides the image's brightness, so that there is something to learn. */
function cifarBatch(records: number, first: number): Buffer {
  const out = Buffer.alloc(records * 3073);
  for (let r = 0; r < records; r++) {
    const label = (first + r) % 10;
    out[r * 3073] = label;
    for (let j = 0; j < 3072; j++) out[r * 3073 + 1 + j] = (label * 25 + ((first + r) * 13 + j * 7) % 20) & 255;
  }
  return out;
}

function writeCifar(dir: string, perBatch: number): void {
  fs.mkdirSync(dir, { recursive: true });
  for (let b = 1; b <= 5; b++) fs.writeFileSync(path.join(dir, `data_batch_${b}.bin`), cifarBatch(perBatch, (b - 1) * perBatch));
  fs.writeFileSync(path.join(dir, 'test_batch.bin'), cifarBatch(perBatch, 5 * perBatch));
}

/** inputs.csv: a header and n rows of two numbers; targets.csv: a header and n rows of one. */
function writeArrays(dir: string, n: number): { inputs: string; targets: string } {
  const xs: string[] = ['x1,x2'];
  const ys: string[] = ['y'];
  for (let i = 0; i < n; i++) {
    const a = -1 + (2 * i) / (n - 1);
    const b = Math.sin(i);
    xs.push(`${a},${b.toFixed(6)}`);
    ys.push((Math.cos(3 * a) + 0.5 * b).toFixed(6));
  }
  const inputs = path.join(dir, 'inputs.csv');
  const targets = path.join(dir, 'targets.csv');
  fs.writeFileSync(inputs, `${xs.join('\n')}\n`);
  fs.writeFileSync(targets, `${ys.join('\n')}\n`);
  return { inputs, targets };
}

async function setField(page: Page, fieldPath: string, value: string): Promise<void> {
  const field = page.getByTestId(`field-${fieldPath}`);
  if ((await field.evaluate((el) => el.tagName)) === 'SELECT') await field.selectOption(value);
  else await field.fill(value);
}

async function fieldValue(page: Page, fieldPath: string): Promise<string> {
  return page.getByTestId(`field-${fieldPath}`).inputValue();
}

/** The messages at the fields of the page, by config path. */
async function fieldErrors(page: Page): Promise<string[]> {
  return page.locator('[data-testid^="field-error-"]').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-testid')}: ${e.textContent}`));
}

async function waitForRun(client: WsLabClient, runId: number): Promise<void> {
  await expect.poll(async () => (await client.getRun({ runId })).status, { timeout: 120_000, interval: 250 }).toMatch(/completed|failed|diverged|cancelled/);
  const run = await client.getRun({ runId });
  expect(run.status, run.message ?? '').toBe('completed');
}

describe.skipIf(!hasChromium)("the paper's experiments from the setup form", () => {
  let dir: string;
  let door: ServeDoor;
  let browser: Browser;
  let page: Page;
  let client: WsLabClient;
  let cifarDir: string;
  let arrays: { inputs: string; targets: string };
  const started = Date.now();

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'freqlab-e2e-experiments-'));
    cifarDir = path.join(dir, 'cifar10');
    writeCifar(cifarDir, 16);
    arrays = writeArrays(dir, 64);
    door = await startServeDoor({ rendererDir: inject('rendererDir'), dbFile: path.join(dir, 'runs.db'), env: { FREQLAB_BASE_DIR: dir } });
    browser = await launchBrowser({ width: 1280, height: 860 });
    page = browser.page;
    client = nodeLabClient(door);
    expect((await page.goto(door.url))?.status()).toBe(200);
    await page.getByTestId('nav-setup').click();
  });

  afterAll(async () => {
    client?.close();
    await browser?.close();
    await door?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    console.log(`e2e experiments: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });

  it('loads every preset into the form: no messages, no JSON box, start enabled, the values shown', async () => {
    for (const name of presetNames) {
      await page.getByTestId('preset-select').selectOption(name);
      const draft = draftFromPreset(name as PresetName) as { name: string; data: Record<string, unknown>; model: Record<string, unknown> };
      await expect.poll(() => fieldValue(page, 'name'), patient).toBe(draft.name);
      expect(await fieldErrors(page), name).toEqual([]);
      expect(await page.getByTestId('setup-issues').count(), name).toBe(0);
      expect(await page.locator('[data-testid^="unknown-kind-"]').count(), name).toBe(0);
      expect(await page.locator('form textarea').count(), `${name}: a JSON box`).toBe(0);
      expect(await page.getByTestId('start-run').isEnabled(), name).toBe(true);
      expect(await fieldValue(page, 'data.kind')).toBe(draft.data.kind);
      expect(await fieldValue(page, 'model.kind')).toBe(draft.model.kind);
      if (draft.model.kind === 'resnet') {
        expect(await fieldValue(page, 'model.widths')).toBe((draft.model.widths as number[]).join(', '));
        expect(await fieldValue(page, 'model.blocks')).toBe('2, 2, 2, 2');
        expect(await fieldValue(page, 'model.stages')).toBe(String(draft.model.stages));
        expect(await fieldValue(page, 'model.hidden')).toBe('256, 128');
      }
      if (draft.data.kind === 'cifar10') {
        expect(await fieldValue(page, 'data.dir')).toBe('data/cifar10');
        expect(await page.getByTestId('field-data.download').isChecked()).toBe(true);
        expect(await fieldValue(page, 'data.trainSize')).toBe(String(draft.data.trainSize));
        expect(await fieldValue(page, 'data.validationSize')).toBe(String(draft.data.validationSize));
      }
    }
  });

  it("shows the schema's messages at the resnet, cifar10 and arrays fields", async () => {
    // What the schema says for the same edit, in the form's words.
    const expected = (preset: PresetName, edits: [string, unknown][], at: string): string => {
      const d = draftFromPreset(preset);
      for (const [p, v] of edits) setAt(d, p, v);
      const r = checkDraft(d);
      if (r.ok) throw new Error(`${at}: the schema accepts the edit`);
      const m = messagesAt(r.issues, at);
      expect(m.length, at).toBeGreaterThan(0);
      return m.join('; ');
    };
    const check = async (preset: PresetName, edits: [string, string, unknown][], at: string, pattern: RegExp) => {
      await page.getByTestId('preset-select').selectOption(preset);
      for (const [p, text] of edits) await setField(page, p, text);
      const want = expected(
        preset,
        edits.map(([p, , v]) => [p, v]),
        at,
      );
      expect(want).toMatch(pattern);
      await expect.poll(async () => (await page.getByTestId(`field-error-${at}`).textContent())?.trim(), patient).toBe(want);
      expect(await page.getByTestId('start-run').isDisabled()).toBe(true);
    };
    await check('cifar10-resnet18-quick', [['model.blocks', '2, 2', [2, 2]]], 'model.blocks', /needs one entry per stage, as many as widths/);
    await check('cifar10-resnet18-quick', [['model.stages', '5', 5]], 'model.stages', /cannot keep more stages than widths lists/);
    await check('cifar10-resnet18-quick', [['model.widths', '16, 0, 64, 128', [16, 0, 64, 128]]], 'model.widths', /entry 2: must be more than 0/);
    await check('cifar10-resnet18-quick', [['model.batchNorm.momentum', '1', 1]], 'model.batchNorm.momentum', /must be less than 1/);
    await check('cifar10-resnet18-1', [['data.trainSize', '45000', 45000]], 'data.trainSize', /more than the 50000 images of the CIFAR-10 train files/);
    await check('cifar10-resnet18-1', [['data.dir', '', '']], 'data.dir', /must name the folder that holds the CIFAR-10 batch files/);
    await check('cifar10-resnet18-1', [['data.download.sha256', 'abc', 'abc']], 'data.download.sha256', /64 hexadecimal digits/);

    // arrays: the file names are asked for by name, the image shape needs three numbers.
    await page.getByTestId('preset-select').selectOption('fit-1d-depth');
    await setField(page, 'data.kind', 'arrays');
    await expect.poll(async () => (await page.getByTestId('field-error-data.inputs').textContent())?.trim(), patient).toBe('must name the file of inputs (.csv or .npy)');
    expect((await page.getByTestId('field-error-data.targets').textContent())?.trim()).toBe('must name the file of targets (.csv or .npy)');
    await setField(page, 'data.inputs', 'x.csv');
    await setField(page, 'data.targets', 'y.csv');
    await setField(page, 'data.imageShape', '8, 8');
    await expect.poll(async () => (await page.getByTestId('field-error-data.imageShape').textContent())?.trim(), patient).toBe(
      friendlyMessage('Too small: expected array to have >=3 items'),
    );
    await setField(page, 'data.imageShape', '');
    await setField(page, 'data.validationSize', '-1');
    await expect.poll(async () => (await page.getByTestId('field-error-data.validationSize').textContent())?.trim(), patient).toBe('must be at least 0');
    await setField(page, 'data.validationSize', '0');
    await expect.poll(() => fieldErrors(page), patient).toEqual([]);
    expect(await page.locator('form textarea').count()).toBe(0);
  });

  it('trains a tiny ResNet on CIFAR-10-format files, started from the form', async () => {
    await page.getByTestId('preset-select').selectOption('cifar10-resnet18-quick');
    await setField(page, 'name', 'e2e tiny resnet');
    await setField(page, 'data.dir', cifarDir);
    await page.getByTestId('field-data.download').uncheck();
    await setField(page, 'data.trainSize', '48');
    await setField(page, 'data.validationSize', '16');
    await setField(page, 'model.widths', '4, 8');
    await setField(page, 'model.blocks', '1, 1');
    await setField(page, 'model.stages', '');
    await setField(page, 'model.hidden', '8');
    await setField(page, 'training.batchSize', '16');
    await setField(page, 'training.stop.maxEpochs', '2');
    await setField(page, 'analysis.samples', '24');
    await setField(page, 'analysis.epochs.every', '1');
    await setField(page, 'analysis.deltaGrid.count', '8');
    await setField(page, 'backend', 'wasm');
    await expect.poll(() => fieldErrors(page), patient).toEqual([]);
    expect(await page.getByTestId('start-run').isEnabled()).toBe(true);
    await page.getByTestId('field-model.widths').scrollIntoViewIfNeeded();
    await screenshot(page, 'setup-resnet');
    await page.getByTestId('start-run').click();

    await expect.poll(async () => (await client.listRuns({})).length, patient).toBe(1);
    const [run] = await client.listRuns({});
    expect(run.config).toMatchObject({
      name: 'e2e tiny resnet',
      data: { kind: 'cifar10', dir: cifarDir, files: 'train', trainSize: 48, validationSize: 16, download: null },
      model: { kind: 'resnet', widths: [4, 8], blocks: [1, 1], stages: null, hidden: [8], output: 'softmax' },
      training: { loss: 'cross-entropy', batchSize: 16, stop: { maxEpochs: 2 } },
      analysis: { samples: 24, epochs: { every: 1 } },
      backend: 'wasm',
    });
    await waitForRun(client, run.id);
    const detail = await client.getRun({ runId: run.id });
    expect(detail.metrics.map((m) => m.epoch)).toEqual([1, 2]);
    expect(detail.metrics.every((m) => m.validationLoss !== null && m.validationLoss !== undefined)).toBe(true);
  });

  it('sweeps the resnet over the stages it keeps (Resnet18-v), from the form', async () => {
    await page.getByTestId('nav-setup').click();
    // The form kept the tiny resnet of the last test.
    expect(await fieldValue(page, 'model.widths')).toBe('4, 8');
    await setField(page, 'name', 'e2e stages');
    await setField(page, 'training.stop.maxEpochs', '1');
    await page.getByTestId('sweep-enabled').check();
    await page.getByTestId('sweep-setting').selectOption('model.stages');
    expect(await page.getByTestId('sweep-values').inputValue()).toBe('2, 1');
    await page.getByTestId('sweep-values').fill('2, 3');
    await expect.poll(async () => await page.getByTestId('sweep-error').textContent(), patient).toMatch(/value 2 \(3\): model.stages: cannot keep more stages than widths lists/);
    await page.getByTestId('sweep-values').fill('2, 1');
    await expect.poll(() => page.getByTestId('sweep-error').count(), patient).toBe(0);
    await page.getByTestId('start-sweep').click();

    await expect.poll(async () => (await client.listGroups({})).length, patient).toBe(1);
    const [group] = await client.listGroups({});
    expect(group).toMatchObject({ name: 'e2e stages', varyPath: 'model.stages', values: [2, 1] });
    await expect
      .poll(async () => (await client.getGroup({ groupId: group.id })).runs.map((r) => r.status).join(), { timeout: 120_000, interval: 250 })
      .toBe('completed,completed');
    const { runs } = await client.getGroup({ groupId: group.id });
    expect(runs.map((r) => (r.config.model as { stages: number | null }).stages)).toEqual([2, 1]);
    await page.getByTestId('nav-setup').click();
    await page.getByTestId('sweep-enabled').uncheck();
  });

  it('trains on CSV arrays the user brings, started from the form', async () => {
    await page.getByTestId('nav-setup').click();
    await page.getByTestId('preset-select').selectOption('fit-1d-depth');
    await setField(page, 'name', 'e2e csv arrays');
    await setField(page, 'data.kind', 'arrays');
    await setField(page, 'data.inputs', arrays.inputs);
    await setField(page, 'data.targets', arrays.targets);
    await page.getByTestId('field-data.header').check();
    await setField(page, 'data.validationSize', '16');
    await setField(page, 'model.hidden', '8, 8');
    await setField(page, 'training.batchSize', '16');
    await setField(page, 'training.stop.maxEpochs', '2');
    await setField(page, 'training.stop.lossBelow', '');
    await setField(page, 'training.threshold', '');
    await setField(page, 'analysis.samples', '24');
    await setField(page, 'analysis.epochs.every', '1');
    await setField(page, 'analysis.deltaGrid.count', '8');
    await setField(page, 'backend', 'cpu');
    await expect.poll(() => fieldErrors(page), patient).toEqual([]);
    expect(await page.getByTestId('start-run').isEnabled()).toBe(true);
    await page.getByTestId('start-run').click();

    await expect.poll(async () => (await client.listRuns({})).length, patient).toBe(4);
    const run = (await client.listRuns({})).find((r) => r.name === 'e2e csv arrays')!;
    expect(run.config).toMatchObject({
      data: { kind: 'arrays', inputs: arrays.inputs, targets: arrays.targets, task: 'regression', header: true, trainSize: null, validationSize: 16, imageShape: null },
      model: { kind: 'mlp', hidden: [8, 8] },
      training: { stop: { maxEpochs: 2, lossBelow: null } },
      backend: 'cpu',
    });
    await waitForRun(client, run.id);
    const detail = await client.getRun({ runId: run.id });
    expect(detail.metrics.map((m) => m.epoch)).toEqual([1, 2]);
  });

  it('logged no errors in the page', () => {
    expect(browser.errors).toEqual([]);
  });
});
