// The shell's pure parts: the CSP (the <meta> of index.html must be the production policy),
// which URLs are the app's own, and the run activity the quit dialog asks about.
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { RunEventMessage } from '../../src/shared/api';
import { appUrlPolicy } from '../../src/main/app-url';
import { contentSecurityPolicy } from '../../src/main/csp';
import { RunActivity } from '../../src/main/run-activity';

describe('contentSecurityPolicy', () => {
  it('is the policy of the <meta> in src/renderer/index.html', () => {
    const html = fs.readFileSync(path.resolve('src/renderer/index.html'), 'utf8');
    const meta = html.match(/<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)"/);
    expect(meta?.[1]).toBe(contentSecurityPolicy('production'));
  });

  it('allows nothing remote and no inline or evaluated script', () => {
    const directives = new Map(
      contentSecurityPolicy('production').split('; ').map((d) => {
        const [name, ...values] = d.split(' ');
        return [name, values] as const;
      }),
    );
    expect(directives.get('default-src')).toEqual(["'self'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('connect-src')).toEqual(["'self'"]);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    const policy = contentSecurityPolicy('production');
    expect(policy).not.toMatch(/unsafe-eval|https?:|\*/);
    expect(directives.get('style-src')).toEqual(["'self'"]);
  });

  it('lets the dev server hot-reload over a localhost socket only in development', () => {
    expect(contentSecurityPolicy('development')).toContain('ws://localhost:*');
    expect(contentSecurityPolicy('development')).not.toContain('unsafe-eval');
    expect(contentSecurityPolicy('production')).not.toContain('ws:');
  });
});

describe('appUrlPolicy', () => {
  const rendererDir = path.resolve('/opt/Frequency Lab/resources/app.asar/out/renderer');
  const built = appUrlPolicy({ rendererDir });

  it('loads the built index.html and accepts only files inside the renderer folder', () => {
    expect(built.entryUrl).toBe(pathToFileURL(path.join(rendererDir, 'index.html')).href);
    expect(built.isAppUrl(built.entryUrl)).toBe(true);
    expect(built.isAppUrl(pathToFileURL(path.join(rendererDir, 'assets/index-abc.js')).href)).toBe(true);
    expect(built.isAppUrl(`${pathToFileURL(rendererDir).href}/../main/index.js`)).toBe(false);
    expect(built.isAppUrl(`${pathToFileURL(rendererDir).href}/%2e%2e/main/index.js`)).toBe(false);
    expect(built.isAppUrl('file:///etc/passwd')).toBe(false);
    expect(built.isAppUrl(`${pathToFileURL(rendererDir).href}-evil/index.html`)).toBe(false);
    expect(built.isAppUrl('https://example.com/index.html')).toBe(false);
    expect(built.isAppUrl('not a url')).toBe(false);
  });

  it('accepts the dev server origin and its hot-reload socket in development', () => {
    const dev = appUrlPolicy({ rendererDir, devServerUrl: 'http://localhost:5173/' });
    expect(dev.entryUrl).toBe('http://localhost:5173/');
    expect(dev.isAppUrl('http://localhost:5173/src/main.ts')).toBe(true);
    expect(dev.isAppUrl('ws://localhost:5173/')).toBe(true);
    expect(dev.isAppUrl('http://localhost:5174/')).toBe(false);
    expect(dev.isAppUrl('https://localhost:5173/')).toBe(false);
    expect(dev.isAppUrl(built.entryUrl)).toBe(false);
  });
});

describe('RunActivity', () => {
  it('follows queued and running runs until they finish', () => {
    const events = new EventEmitter<{ run: [RunEventMessage] }>();
    const activity = new RunActivity(events);
    expect(activity.busy).toBe(false);
    events.emit('run', { runId: 3, kind: 'queued' });
    events.emit('run', { runId: 4, kind: 'queued' });
    expect(activity.busy).toBe(true);
    expect(activity.describe()).toBe('2 runs are queued.');
    events.emit('run', { runId: 3, kind: 'engine', event: { type: 'batch', epoch: 1, batch: 1, batches: 4 } });
    expect(activity.describe()).toBe('Run 3 is training (no epoch finished yet); 1 run is queued.');
    events.emit('run', { runId: 3, kind: 'engine', event: { type: 'epoch', epoch: 4, metrics: null, frequencies: [], analysisSeconds: 0 } });
    expect(activity.describe()).toBe('Run 3 is training (epoch 4 finished); 1 run is queued.');
    events.emit('run', { runId: 4, kind: 'finished', outcome: { status: 'cancelled', message: 'x' } });
    events.emit('run', { runId: 3, kind: 'finished', outcome: { status: 'completed', message: 'x' } });
    expect(activity.busy).toBe(false);
    activity.dispose();
    events.emit('run', { runId: 5, kind: 'queued' });
    expect(activity.busy).toBe(false);
  });
});
