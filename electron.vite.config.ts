// Build of the desktop app (electron-vite 6 on Vite 8 / rolldown):
//   out/main/index.js    Electron main (ESM: package.json has "type": "module")
//   out/main/worker.js   training worker thread, beside index.js where run-worker.ts looks for it
//   out/preload/index.cjs  preload, CommonJS (sandboxed preloads cannot be ES modules)
//   out/renderer/        index.html + assets (Svelte 5, echarts)
// Main keeps every runtime dependency external (tfjs and its native/wasm backends, better-sqlite3,
// @resvg/resvg-js, echarts, zod): they load from node_modules at run time.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'electron-vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import type { Plugin } from 'vite';
import { contentSecurityPolicy } from './src/main/csp';

const root = dirname(fileURLToPath(import.meta.url));
const cspMeta = /(<meta\s+http-equiv="Content-Security-Policy"\s+content=")[^"]*(")/;

/** The dev server needs a looser CSP (inline style elements, the hot-reload socket). */
function devContentSecurityPolicy(): Plugin {
  return {
    name: 'frequency-lab:dev-csp',
    apply: 'serve',
    transformIndexHtml(html) {
      if (!cspMeta.test(html)) throw new Error('src/renderer/index.html has no Content-Security-Policy <meta>');
      return html.replace(cspMeta, `$1${contentSecurityPolicy('development')}$2`);
    },
  };
}

export default defineConfig({
  main: {
    build: {
      externalizeDeps: {
        // Optional native backends, loaded with require() only when installed.
        include: ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'],
      },
      rolldownOptions: {
        input: {
          index: resolve(root, 'src/main/index.ts'),
          worker: resolve(root, 'src/main/engine/worker.ts'),
        },
        output: {
          entryFileNames: '[name].js',
          // Shared code beside the entries, so that import.meta.url of any chunk is out/main/.
          chunkFileNames: '[name]-[hash].js',
        },
      },
    },
  },
  preload: {
    build: {
      // A sandboxed preload can require only 'electron' (and a few built-ins): bundle the rest.
      externalizeDeps: false,
      rolldownOptions: {
        input: { index: resolve(root, 'src/preload/index.ts') },
        output: {
          format: 'cjs',
          entryFileNames: '[name].cjs',
        },
      },
    },
  },
  renderer: {
    root: resolve(root, 'src/renderer'),
    plugins: [svelte(), devContentSecurityPolicy()],
    build: {
      target: 'es2022',
      rolldownOptions: {
        input: { index: resolve(root, 'src/renderer/index.html') },
      },
    },
  },
});
