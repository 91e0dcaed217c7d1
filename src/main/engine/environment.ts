// What a run records about where it was computed.
import * as tf from '@tensorflow/tfjs-core';
import os from 'node:os';
import type { RunEnvironment } from '../../shared/results';
import { appVersion } from '../../shared/version';
import type { ActiveBackend } from './backend';

/** The environment of this process, with the backend it computes on. */
export function describeEnvironment(active: ActiveBackend): RunEnvironment {
  const cpus = os.cpus();
  return {
    appVersion,
    tfjsVersion: tf.version_core,
    backend: active.backend,
    backendDetail: active.detail,
    nodeVersion: process.versions.node,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    cpu: cpus[0]?.model?.trim() ?? 'unknown',
    cpuCount: cpus.length,
    memoryBytes: os.totalmem(),
    gpu: active.gpu,
  };
}
