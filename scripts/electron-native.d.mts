// Types of scripts/electron-native.mjs (for the tests that import it).
export declare const projectRoot: string;
export declare const bindingFileName: string;
export declare const defaultHeadersUrl: string;
export declare const packagedBindingPath: string;

export interface InstalledElectron {
  version: string;
  abi: number | null;
  binaryInstalled: boolean;
}
export interface BindingStatus {
  state: 'ok' | 'missing' | 'stale' | 'wrong-abi';
  file: string;
  abi?: number | null;
  detail?: string;
}

export declare function electronBindingDir(electronVersion: string, platform: string, arch: string): string;
export declare function electronBindingPath(electronVersion: string, platform: string, arch: string): string;
export declare function installedElectron(root?: string): InstalledElectron | null;
export declare function electronAbi(version: string, electronDir: string, root?: string): number | null;
export declare function installedBetterSqlite(root?: string): { dir: string; version: string } | null;
export declare function addonAbi(file: string): number | null;
export declare function defaultDevDir(): string;
export declare function headersCached(devdir: string, electronVersion: string): boolean;
export declare function headersReachable(
  distUrl: string,
  electronVersion: string,
  timeoutMs?: number,
): Promise<{ ok: boolean; url: string; reason?: string }>;
export declare function readBuildInfo(dir: string): Record<string, unknown> | null;
export declare function bindingStatus(opts: {
  root?: string;
  electron: InstalledElectron;
  betterSqlite: { dir: string; version: string } | null;
  platform?: string;
  arch?: string;
}): BindingStatus;
export declare function nodeGypScript(root?: string): string | null;
export declare function cleanBuildEnv(env?: Record<string, string | undefined>): Record<string, string | undefined>;
export declare function buildAddon(opts: {
  root?: string;
  target: string;
  arch?: string;
  platform?: string;
  distUrl?: string;
  devdir?: string;
  nodedir?: string;
  expectAbi?: number;
  outDir: string;
  logFile?: string;
  runtime?: string;
}): Promise<{ file: string; abi: number | null; info: Record<string, unknown> }>;
