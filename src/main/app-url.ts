// Which URLs are the app's own pages: the built renderer folder (file://) in production, or the
// Vite dev server's origin in development. Used to block navigation and requests elsewhere, to
// refuse IPC calls from any other frame, and to decide which responses get the CSP header.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface AppUrlPolicy {
  /** What the window loads: the dev server URL, or the file:// URL of the built index.html. */
  entryUrl: string;
  /** Whether the URL is one of the app's pages or resources. */
  isAppUrl(url: string): boolean;
}

/** The policy for a renderer built into `rendererDir`, or served at `devServerUrl` when given. */
export function appUrlPolicy(options: { rendererDir: string; devServerUrl?: string | null }): AppUrlPolicy {
  if (options.devServerUrl) {
    const dev = new URL(options.devServerUrl);
    const wsProtocol = dev.protocol === 'https:' ? 'wss:' : 'ws:';
    return {
      entryUrl: dev.href,
      isAppUrl(url) {
        const u = parse(url);
        if (!u) return false;
        return u.host === dev.host && (u.protocol === dev.protocol || u.protocol === wsProtocol);
      },
    };
  }
  const root = path.resolve(options.rendererDir);
  return {
    entryUrl: pathToFileURL(path.join(root, 'index.html')).href,
    isAppUrl(url) {
      const u = parse(url);
      if (!u || u.protocol !== 'file:' || u.host !== '') return false;
      let file: string;
      try {
        file = fileURLToPath(u);
      } catch {
        return false;
      }
      const rel = path.relative(root, file);
      return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
    },
  };
}

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}
