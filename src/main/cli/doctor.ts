// `lab doctor`: which compute backends load on this machine, and for those that do not, why.
import { backendOrder, missingGpuLibraries, nvidiaGpus, tryBackend } from '../engine/backend';
import { defaultDatabasePath } from '../store/database';
import * as tf from '@tensorflow/tfjs-core';

/** A report a user can act on: each backend with ok / the reason it does not load. */
export async function doctorReport(): Promise<string> {
  const lines = [`tfjs-core ${tf.version_core}, Node ${process.versions.node}, ${process.platform}/${process.arch}`];
  const gpus = nvidiaGpus();
  lines.push(`NVIDIA GPU: ${gpus ?? 'none found (nvidia-smi did not answer)'}`);
  const missing = missingGpuLibraries();
  lines.push(
    missing.length
      ? `CUDA/cuDNN libraries missing: ${missing.join(', ')} (tfjs-node-gpu 4.22 needs CUDA 11.2 and cuDNN 8.1)`
      : 'CUDA/cuDNN libraries: found',
  );
  lines.push('', 'backends, in the order "auto" tries them:');
  let chosen: string | null = null;
  for (const b of backendOrder) {
    const r = await tryBackend(b);
    if (r.ok && !chosen) chosen = b;
    lines.push(`  ${r.ok ? 'ok  ' : 'no  '} ${b.padEnd(15)} ${r.ok ? r.detail : r.reason}`);
  }
  lines.push('', `"auto" runs on: ${chosen ?? 'nothing (no backend loads)'}`);
  lines.push(`run database: ${defaultDatabasePath()} (override with --db or $FREQLAB_DB)`);
  return lines.join('\n');
}
