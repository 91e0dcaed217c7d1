// Which runs of this process are queued or training, followed from the service's run events,
// so that closing the window can ask before it stops them.
import type { EventEmitter } from 'node:events';
import type { RunEventMessage } from '../shared/api';

interface ActiveRun {
  state: 'queued' | 'running';
  /** Last finished epoch, null before the first one. */
  epoch: number | null;
}

type RunEvents = Pick<EventEmitter<{ run: [RunEventMessage] }>, 'on' | 'off'>;

export class RunActivity {
  private readonly runs = new Map<number, ActiveRun>();
  private readonly listener = (m: RunEventMessage) => this.update(m);

  constructor(private readonly events: RunEvents) {
    events.on('run', this.listener);
  }

  /** Whether any run is queued or training. */
  get busy(): boolean {
    return this.runs.size > 0;
  }

  update(m: RunEventMessage): void {
    if (m.kind === 'finished') {
      this.runs.delete(m.runId);
      return;
    }
    const run = this.runs.get(m.runId) ?? { state: 'queued', epoch: null };
    if (m.kind === 'engine') {
      if (m.event.type === 'started' || m.event.type === 'batch') run.state = 'running';
      if (m.event.type === 'epoch') {
        run.state = 'running';
        run.epoch = m.event.epoch;
      }
    }
    this.runs.set(m.runId, run);
  }

  /** A sentence for the quit dialog, e.g. "Run 3 is training (epoch 4 finished); 1 more run is queued." */
  describe(): string {
    const running = [...this.runs].filter(([, r]) => r.state === 'running');
    const queued = this.runs.size - running.length;
    const parts = running.map(([id, r]) =>
      r.epoch === null || r.epoch === 0 ? `Run ${id} is training (no epoch finished yet)` : `Run ${id} is training (epoch ${r.epoch} finished)`,
    );
    if (queued > 0) parts.push(`${queued} ${queued === 1 ? 'run is' : 'runs are'} queued`);
    return parts.length ? `${parts.join('; ')}.` : 'No run is active.';
  }

  dispose(): void {
    this.events.off('run', this.listener);
  }
}
