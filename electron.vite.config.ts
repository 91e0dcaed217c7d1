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

/**
 * electron-vite's ESM shim adds `const require = createRequire(import.meta.url)` (and
 * __filename/__dirname) to every chunk whose code mentions `require(`, even when the chunk
 * already declares that name at its top level: src/main/engine/backend.ts has its own
 * `const require = createRequire(import.meta.url)`, and the worker bundle would fail to load
 * with "Identifier 'require' has already been declared". Within one chunk both bindings are the
 * same function of the same URL, so the shim's duplicate declaration is dropped.
 */
function dropDuplicateCjsShims(): Plugin {
  const shimLines: Record<string, RegExp> = {
    require: /^const require = __shims_module__\.createRequire\(import\.meta\.url\);\n/m,
    __filename: /^const __filename = (?:import\.meta\.filename|__shims_url__\.fileURLToPath\(import\.meta\.url\));\n/m,
    __dirname: /^const __dirname = (?:import\.meta\.dirname|__shims_path__\.dirname\(__filename\));\n/m,
  };
  return {
    name: 'frequency-lab:drop-duplicate-cjs-shims',
    apply: 'build',
    enforce: 'post',
    renderChunk(code) {
      let out = code;
      for (const [name, shim] of Object.entries(shimLines)) {
        const match = shim.exec(out);
        if (!match) continue;
        const rest = out.slice(0, match.index) + out.slice(match.index + match[0].length);
        // Another top-level declaration of the same name (top-level lines are not indented).
        const own = new RegExp(`^(?:const|let|var) ${name}\\b|^function ${name}\\b`, 'm');
        if (own.test(rest)) out = rest;
      }
      return out === code ? null : { code: out, map: null };
    },
  };
}

export default defineConfig({
  main: {
    plugins: [dropDuplicateCjsShims()],
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
    plugins: [svelte({ configFile: false }), devContentSecurityPolicy()],
    build: {
      target: 'es2022',
      rolldownOptions: {
        input: { index: resolve(root, 'src/renderer/index.html') },
      },
    },
  },
});
