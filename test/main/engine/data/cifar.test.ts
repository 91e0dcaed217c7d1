import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, mkdir, rm, writeFile, readdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { validateConfig } from '../../../../src/shared/config';
import { cifarRowsChannelsLast, ensureCifar10, parseCifarBatch, readCifar10 } from '../../../../src/main/engine/data/cifar';
import { loadDataset, splitIndices } from '../../../../src/main/engine/data/dataset';
import { downloadVerified, parseTar } from '../../../../src/main/engine/data/download';
import { DataFileError } from '../../../../src/main/engine/data/errors';
import { cifarArchive, cifarBatch, tar } from '../../../fixtures/cifar';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'lab-cifar-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function writeBatches(folder: string, perBatch: number, names = [1, 2, 3, 4, 5].map((b) => `data_batch_${b}.bin`)) {
  await mkdir(folder, { recursive: true });
  for (const [i, name] of names.entries()) await writeFile(path.join(folder, name), cifarBatch(perBatch, i * perBatch));
}

describe('parseCifarBatch', () => {
  it('splits records into labels and channel-major pixels', () => {
    const { labels, pixels } = parseCifarBatch(cifarBatch(3), 'b.bin');
    expect(Array.from(labels)).toEqual([0, 1, 2]);
    expect(pixels.length).toBe(3 * 3072);
    expect(pixels[3072 + 5]).toBe((7 + 15) % 256); // record 1, pixel 5
  });

  it('names the file and the leftover bytes when the size is not whole records', () => {
    const bytes = cifarBatch(2).subarray(0, 2 * 3073 - 10);
    expect(() => parseCifarBatch(bytes, '/x/data_batch_1.bin')).toThrow(
      '/x/data_batch_1.bin: wrong size: 6136 bytes is not a whole number of 3073-byte records (1 label byte + 3072 pixel bytes): 1 records and 3063 bytes left over',
    );
    expect(() => parseCifarBatch(new Uint8Array(0), 'e.bin')).toThrow('e.bin: file is empty (0 bytes)');
  });

  it('rejects a label outside 0..9 with its record and offset', () => {
    const bytes = cifarBatch(3);
    bytes[2 * 3073] = 12;
    expect(() => parseCifarBatch(bytes, 'b.bin')).toThrow('b.bin: record 2 (byte offset 6146) has label 12, expected 0..9');
  });
});

describe('cifarRowsChannelsLast', () => {
  it('reorders the red, green and blue planes into height x width x channel rows scaled to [0, 1]', () => {
    const pixels = new Uint8Array(3072);
    pixels[0] = 255; // red (0,0)
    pixels[1024 + 33] = 51; // green (1,1)
    pixels[2048 + 1023] = 102; // blue (31,31)
    const x = cifarRowsChannelsLast(pixels, [0]);
    expect(x[0]).toBe(1);
    expect(x[(1 * 32 + 1) * 3 + 1]).toBeCloseTo(0.2, 7);
    expect(x[(31 * 32 + 31) * 3 + 2]).toBeCloseTo(0.4, 7);
    expect(x.filter((v) => v !== 0).length).toBe(3);
  });
});

describe('readCifar10', () => {
  it('reads and concatenates the five training batches, from the folder or its cifar-10-batches-bin', async () => {
    const a = path.join(dir, 'flat');
    await writeBatches(a, 4);
    const r = await readCifar10(a, 'train');
    expect(r.n).toBe(20);
    expect(Array.from(r.labels)).toEqual(Array.from({ length: 20 }, (_, i) => i % 10));
    const b = path.join(dir, 'nested');
    await writeBatches(path.join(b, 'cifar-10-batches-bin'), 2, ['test_batch.bin']);
    expect((await readCifar10(b, 'test')).n).toBe(2);
  });

  it('names the missing batch files', async () => {
    const c = path.join(dir, 'partial');
    await writeBatches(c, 1, ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_4.bin']);
    await expect(readCifar10(c, 'train')).rejects.toThrow(`${c}: missing CIFAR-10 batch files data_batch_3.bin, data_batch_5.bin`);
    await expect(readCifar10(path.join(dir, 'nothing'), 'test')).rejects.toThrow(/no CIFAR-10 test batches: expected test_batch\.bin .*set data\.download/);
  });
});

describe('the validation split', () => {
  it('is seeded, disjoint, of the requested sizes, and in file order', () => {
    const a = splitIndices(50000, 10000, 40000, 1);
    expect(a.validation.length).toBe(10000);
    expect(a.train.length).toBe(40000);
    const all = new Set([...a.train, ...a.validation]);
    expect(all.size).toBe(50000); // the paper's 40000 / 10000 partition of the 50000 training images
    expect(Array.from(a.train)).toEqual(Array.from(a.train).sort((x, y) => x - y));
    const b = splitIndices(50000, 10000, 40000, 1);
    expect(Array.from(b.validation)).toEqual(Array.from(a.validation));
    const c = splitIndices(50000, 10000, 40000, 2);
    expect(Array.from(c.validation)).not.toEqual(Array.from(a.validation));
  });

  it('loads CIFAR-10 as channels-last images with a held-out validation set', async () => {
    const d = path.join(dir, 'forload');
    await writeBatches(d, 10);
    const config = validateConfig({
      seed: 5,
      data: { kind: 'cifar10', dir: d, trainSize: 30, validationSize: 10 },
      model: { kind: 'resnet', widths: [4], blocks: [1] },
      training: { loss: 'cross-entropy', optimiser: { kind: 'adam' }, schedule: [{ fromEpoch: 1, rate: 1e-3 }], batchSize: 8, stop: { maxEpochs: 1 } },
      analysis: { epochs: {}, samples: 10, deltaGrid: { kind: 'log-k', kMin: 1, kMax: 10, count: 3 } },
    });
    const ds = await loadDataset(config.data, config.seed);
    expect([ds.n, ds.inputDim, ds.outputDim, ds.classes]).toEqual([30, 3072, 10, 10]);
    expect(ds.imageShape).toEqual([32, 32, 3]);
    expect(ds.validation!.n).toBe(10);
    // every training label matches its one-hot row
    for (let i = 0; i < ds.n; i++) expect(ds.y[i * 10 + ds.labels![i]]).toBe(1);
    const tooMany = { ...config.data, trainSize: 45, validationSize: 10 };
    await expect(loadDataset(tooMany, 5)).rejects.toThrow(/45 training \+ 10 validation samples are more than the 50 images/);
  });
});

describe('download into the cache folder, verified by SHA-256', () => {
  let server: Server;
  let base: string;
  const archive = cifarArchive(3);
  const sha = createHash('sha256').update(archive).digest('hex');
  let requests = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      requests++;
      if (req.url === '/cifar-10-binary.tar.gz') {
        res.writeHead(200, { 'content-length': archive.length });
        res.end(archive);
      } else {
        res.writeHead(404);
        res.end('not here');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    server.unref(); // never keeps the test process alive
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('downloads, checks the checksum, unpacks the batches (only known names) and then reads them', async () => {
    const cache = path.join(dir, 'cache');
    const folder = await ensureCifar10(cache, 'train', { url: `${base}/cifar-10-binary.tar.gz`, sha256: sha });
    expect(folder).toBe(path.join(cache, 'cifar-10-batches-bin'));
    expect((await readdir(folder)).sort()).toEqual(['batches.meta.txt', 'data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin']);
    expect(await readdir(cache)).toEqual(['cifar-10-batches-bin']); // archive removed, nothing written outside
    expect((await readCifar10(cache, 'train')).n).toBe(15);
    const before = requests;
    await ensureCifar10(cache, 'test', { url: `${base}/cifar-10-binary.tar.gz`, sha256: sha });
    expect(requests).toBe(before); // cached: no second download
  });

  it('refuses a file whose checksum differs and leaves nothing behind', async () => {
    const cache = path.join(dir, 'badsum');
    const wrong = 'f'.repeat(64);
    await expect(ensureCifar10(cache, 'train', { url: `${base}/cifar-10-binary.tar.gz`, sha256: wrong })).rejects.toThrow(
      `SHA-256 checksum mismatch: expected ${wrong}, downloaded ${archive.length} bytes with ${sha}`,
    );
    expect(await readdir(cache)).toEqual([]);
  });

  it('reports an HTTP error with the address', async () => {
    await expect(downloadVerified(`${base}/missing.tar.gz`, path.join(dir, 'x', 'f'), { sha256: sha })).rejects.toThrow(
      `download of ${base}/missing.tar.gz failed: HTTP 404`,
    );
    await expect(downloadVerified(`${base}/x`, path.join(dir, 'x', 'f'), { sha256: 'abc' })).rejects.toThrow(/is not a SHA-256 checksum/);
  });

  it('stops when more bytes arrive than the limit', async () => {
    await expect(
      downloadVerified(`${base}/cifar-10-binary.tar.gz`, path.join(dir, 'lim', 'f'), { sha256: sha, maxBytes: archive.length - 1 }),
    ).rejects.toThrow(`announces ${archive.length} bytes, more than the limit of ${archive.length - 1}`);
  });

  it('without a download setting, a missing folder is an error that names it', async () => {
    await expect(ensureCifar10(path.join(dir, 'none'), 'train', null)).rejects.toThrow(DataFileError);
  });
});

describe('parseTar', () => {
  it('reads names and contents and rejects a damaged header', () => {
    const t = tar([{ name: 'a/b.txt', data: Buffer.from('hello') }]);
    const entries = parseTar(t, 't.tar');
    expect(entries.map((e) => [e.name, e.type, Buffer.from(e.data).toString()])).toEqual([['a/b.txt', 'file', 'hello']]);
    const broken = Uint8Array.from(t);
    broken[0] ^= 1;
    expect(() => parseTar(broken, 't.tar')).toThrow('t.tar: not a tar archive: header checksum mismatch at byte 0');
  });
});
