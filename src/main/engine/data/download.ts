// Downloads into a cache folder, verified by SHA-256, and unpacking of a .tar.gz archive. Used for
// the CIFAR-10 binary archive; the address and checksum come from the config.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DataFileError } from './errors';

export interface DownloadOptions {
  /** Expected SHA-256 of the file, 64 hexadecimal digits (case ignored). */
  sha256: string;
  /** Give up when no byte arrives for this long (default 60 s). */
  idleTimeoutMs?: number;
  /** Refuse files larger than this (default 1 GiB). */
  maxBytes?: number;
  /** Called now and then with the bytes received and the total (null when not announced). */
  onProgress?: (received: number, total: number | null) => void;
}

/** SHA-256 of bytes as lower-case hex. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Downloads `url` to `dest`, writing to `dest.partial` first and renaming only once the SHA-256
 * matches: `dest` is either absent or the verified file. Errors name the address or the file.
 */
export async function downloadVerified(url: string, dest: string, opts: DownloadOptions): Promise<void> {
  const expected = opts.sha256.toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(expected)) throw new Error(`download of ${url}: "${opts.sha256}" is not a SHA-256 checksum (64 hex digits)`);
  const idleTimeoutMs = opts.idleTimeoutMs ?? 60_000;
  const maxBytes = opts.maxBytes ?? 2 ** 30;
  const partial = `${dest}.partial`;
  await mkdir(path.dirname(dest), { recursive: true });
  const controller = new AbortController();
  let idle: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(idle);
    idle = setTimeout(() => controller.abort(new Error(`no data for ${idleTimeoutMs / 1000} s`)), idleTimeoutMs);
  };
  arm();
  let response: Response;
  try {
    response = await fetch(url, { signal: controller.signal, redirect: 'follow' });
  } catch (e) {
    clearTimeout(idle);
    throw new Error(`download of ${url} failed: ${reason(e)}`);
  }
  if (!response.ok || !response.body) {
    clearTimeout(idle);
    throw new Error(`download of ${url} failed: HTTP ${response.status} ${response.statusText}`.trim());
  }
  const announced = Number(response.headers.get('content-length'));
  const total = Number.isFinite(announced) && announced > 0 ? announced : null;
  if (total !== null && total > maxBytes) {
    clearTimeout(idle);
    await response.body.cancel().catch(() => undefined);
    throw new Error(`download of ${url}: the server announces ${total} bytes, more than the limit of ${maxBytes}`);
  }
  const hash = createHash('sha256');
  const out = createWriteStream(partial);
  let received = 0;
  try {
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      arm();
      received += value.byteLength;
      if (received > maxBytes) {
        controller.abort();
        throw new Error(`more than the limit of ${maxBytes} bytes`);
      }
      hash.update(value);
      if (!out.write(value)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      opts.onProgress?.(received, total);
    }
    await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  } catch (e) {
    out.destroy();
    await rm(partial, { force: true });
    throw new Error(`download of ${url} failed after ${received} bytes: ${reason(e)}`);
  } finally {
    clearTimeout(idle);
  }
  if (total !== null && received !== total) {
    await rm(partial, { force: true });
    throw new Error(`download of ${url} ended early: ${received} of ${total} bytes`);
  }
  const actual = hash.digest('hex');
  if (actual !== expected) {
    await rm(partial, { force: true });
    throw new DataFileError(url, `SHA-256 checksum mismatch: expected ${expected}, downloaded ${received} bytes with ${actual}`);
  }
  await rename(partial, dest);
}

/** One entry of a tar archive. */
export interface TarEntry {
  name: string;
  type: 'file' | 'directory' | 'other';
  data: Uint8Array;
}

function cString(block: Uint8Array, start: number, length: number): string {
  let end = start;
  while (end < start + length && block[end] !== 0) end++;
  return Buffer.from(block.subarray(start, end)).toString('utf8');
}

/** The entries of an uncompressed tar archive (ustar / GNU; long-name extensions are skipped). */
export function parseTar(tar: Uint8Array, file: string): TarEntry[] {
  const entries: TarEntry[] = [];
  let offset = 0;
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break; // end-of-archive marker
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : header[i];
    const stored = parseInt(cString(header, 148, 8).trim() || 'NaN', 8);
    if (stored !== sum) throw new DataFileError(file, `not a tar archive: header checksum mismatch at byte ${offset}`);
    const size = parseInt(cString(header, 124, 12).trim() || '0', 8);
    const typeflag = String.fromCharCode(header[156] || 48);
    const prefix = cString(header, 345, 155);
    const base = cString(header, 0, 100);
    const name = prefix ? `${prefix}/${base}` : base;
    const start = offset + 512;
    if (start + size > tar.length) throw new DataFileError(file, `truncated tar archive: entry ${name} needs ${size} bytes`);
    const type = typeflag === '0' || typeflag === '7' ? 'file' : typeflag === '5' ? 'directory' : 'other';
    entries.push({ name, type, data: tar.subarray(start, start + size) });
    offset = start + Math.ceil(size / 512) * 512;
  }
  return entries;
}

/**
 * Unpacks from a .tar.gz the regular files whose base name `keep` accepts into `destDir` (flat:
 * only base names are used, so no path in the archive can write outside destDir). Returns the
 * written paths.
 */
export async function extractTarGz(archive: string, destDir: string, keep: (baseName: string) => boolean): Promise<string[]> {
  let tar: Uint8Array;
  try {
    tar = gunzipSync(await readFile(archive));
  } catch (e) {
    throw new DataFileError(archive, `cannot be unpacked as .tar.gz: ${reason(e)}`);
  }
  await mkdir(destDir, { recursive: true });
  const written: string[] = [];
  for (const entry of parseTar(tar, archive)) {
    const baseName = entry.name.split('/').filter(Boolean).pop() ?? '';
    if (entry.type !== 'file' || !baseName || baseName === '.' || baseName === '..' || !keep(baseName)) continue;
    const target = path.join(destDir, baseName);
    await writeFile(`${target}.partial`, entry.data);
    await rename(`${target}.partial`, target);
    written.push(target);
  }
  return written;
}

function reason(e: unknown): string {
  if (e instanceof Error) {
    const cause = (e as Error & { cause?: unknown }).cause;
    return cause instanceof Error ? `${e.message} (${cause.message})` : e.message;
  }
  return String(e);
}
