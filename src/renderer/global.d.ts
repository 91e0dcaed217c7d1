// What the preload exposes to the page (src/preload/index.ts).
import type { LabBridge } from '../shared/bridge';

declare global {
  interface Window {
    /** The lab service: exactly the LabApi, plus onEvent. Absent outside Electron. */
    readonly lab?: LabBridge;
  }
}

export {};
