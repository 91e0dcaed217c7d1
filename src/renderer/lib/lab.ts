// Access to the lab service from the page: window.lab, exposed by the preload script.
import type { LabBridge } from '../../shared/bridge';

/** The lab bridge; throws a clear message when the page is not running inside the app. */
export function lab(): LabBridge {
  const bridge = window.lab;
  if (!bridge) throw new Error('window.lab is missing: this page must be opened by Frequency Lab (its preload script provides the lab)');
  return bridge;
}

/** The message of anything thrown. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
