// Access to the lab service from the page: window.lab (the desktop app's preload) or, in a
// browser on `npm run serve`, the WebSocket client of api-client.ts.
import type { LabBridge } from '../../shared/bridge';
import { getLabBridge } from './api-client';

/** The lab bridge; throws a clear message when the page is opened neither by the app nor by npm run serve. */
export function lab(): LabBridge {
  return getLabBridge();
}

/** The message of anything thrown. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
