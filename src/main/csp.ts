// The Content Security Policy of the app's pages. Production: everything from the app itself,
// no remote content, no inline or evaluated script. The same text is in the <meta> of
// src/renderer/index.html (test/main/csp.test.ts keeps them equal) and is sent as a header by
// main. In development the Vite dev server also needs inline <style> elements (Svelte's
// hot-reloaded CSS) and its hot-reload WebSocket on localhost.

/** The CSP of the renderer, for the production build or the development server. */
export function contentSecurityPolicy(mode: 'production' | 'development'): string {
  const dev = mode === 'development';
  const directives: [string, ...string[]][] = [
    ['default-src', "'self'"],
    ['script-src', "'self'"],
    // Component CSS comes as files; echarts' tooltips use inline style attributes.
    ['style-src', "'self'", ...(dev ? ["'unsafe-inline'"] : [])],
    ['style-src-attr', "'unsafe-inline'"],
    ['img-src', "'self'", 'data:'],
    ['font-src', "'self'"],
    ['connect-src', "'self'", ...(dev ? ['ws://localhost:*', 'ws://127.0.0.1:*'] : [])],
    ['object-src', "'none'"],
    ['frame-src', "'none'"],
    ['worker-src', "'none'"],
    ['base-uri', "'none'"],
    ['form-action', "'none'"],
  ];
  return directives.map((d) => d.join(' ')).join('; ');
}
