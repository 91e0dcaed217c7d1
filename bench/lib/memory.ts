// Peak resident memory of this process: VmHWM from /proc/self/status (Linux), else the
// maxRSS that Node reports.
import { readFileSync } from 'node:fs';

export function peakRssBytes(): number {
  try {
    const m = readFileSync('/proc/self/status', 'utf8').match(/^VmHWM:\s+(\d+)\s+kB/m);
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS * 1024;
}
