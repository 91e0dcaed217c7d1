// Fault injection for the robustness tests: FREQLAB_INJECT_FAULT="<kind>@<epoch>" makes a
// training worker fail right after it has reported that epoch. Kinds: `throw` (an exception in
// the worker) and `exit` (the worker thread exits). Unset in normal use; a malformed value is an
// error, never silently ignored.

export type FaultKind = 'throw' | 'exit';

export interface InjectedFault {
  kind: FaultKind;
  epoch: number;
}

/** The fault requested by the environment, if any. */
export function injectedFault(env: NodeJS.ProcessEnv = process.env): InjectedFault | null {
  const spec = env.FREQLAB_INJECT_FAULT;
  if (!spec) return null;
  const m = /^(throw|exit)@(\d+)$/.exec(spec);
  if (!m) throw new Error(`FREQLAB_INJECT_FAULT must look like throw@3 or exit@3, got "${spec}"`);
  return { kind: m[1] as FaultKind, epoch: Number(m[2]) };
}

/** Called after an epoch is reported: triggers the injected fault at its epoch. */
export function triggerFault(fault: InjectedFault | null, epoch: number): void {
  if (!fault || fault.epoch !== epoch) return;
  if (fault.kind === 'throw') throw new Error(`injected fault: worker threw after epoch ${epoch}`);
  process.exit(3); // in a worker thread this ends the thread, not the process
}
