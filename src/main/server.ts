// The browser door of the lab (`npm run serve`, src/main/serve.ts): the built renderer over HTTP
// and the LabApi over a WebSocket, for a headless GPU server reached through an SSH tunnel, and
// for the end-to-end tests in Chromium. Same screens, same LabService, same database, same engine
// as the desktop app.
//
// - Listens on 127.0.0.1 only; refuses to start on any other address.
// - Every HTTP request and the WebSocket upgrade need the access token: `?token=` in the URL or
//   `Authorization: Bearer`. No token: 401; a wrong one: 403. Tokens are compared in constant
//   time (as SHA-256 digests).
// - The page's scripts and styles are fetched without the query: for them, the server sets a
//   cookie with the page. It holds a key derived from the token (HMAC), not the token, and it
//   opens the page's files only (not the page itself, not the WebSocket): browsers send a cookie
//   of 127.0.0.1 to every port of 127.0.0.1 (cookies ignore ports), so every other local web
//   server the user visits receives it.
// - Requests naming another host than 127.0.0.1 / localhost are refused (DNS rebinding), as are
//   WebSocket upgrades from a page of another origin.
// - Static files come only from the renderer folder: no '..', no hidden files, no symlink out.
// - Responses carry the desktop's Content Security Policy (src/main/csp.ts).
// - Each call is answered by handleLabCall (validation in ipc-validate.ts, the same as the
//   desktop's IPC); run events go to every connected page, batch progress thinned as on IPC.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { Socket } from 'node:net';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import type { EventEmitter } from 'node:events';
import type { LabApi, RunEventMessage } from '../shared/api';
import { labMethods } from '../shared/bridge';
import { decodeWire, encodeWire, labTokenParam, labWirePath, labWireProtocol, type LabWireServerMessage } from '../shared/lab-wire';
import { contentSecurityPolicy } from './csp';
import { createEventForwarder, handleLabCall } from './lab-call';
import { WebSocketConnection, acceptKey, closeCodes, validClientKey } from './websocket';

/** The only address the door listens on. */
export const loopbackHost = '127.0.0.1';
export const defaultPort = 8765;

/** Host names a browser on this machine (or at the near end of an SSH tunnel) uses for us. */
const loopbackNames = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** What the door needs of the service: the LabApi and its run events. */
export interface ServedService extends LabApi {
  readonly events: Pick<EventEmitter<{ run: [RunEventMessage] }>, 'on' | 'off'>;
}

export interface LabServerOptions {
  service: ServedService;
  /** The built renderer (out/renderer): index.html and assets/. */
  rendererDir: string;
  /** Must be 127.0.0.1 (the default): anything else is refused. */
  host?: string;
  /** Default 8765; 0 picks a free port. */
  port?: number;
  /** The access token; a random one (256 bits) by default. */
  token?: string;
  /** Least time between two pushed 'batch' progress events of a run (default 100 ms, as on IPC). */
  batchIntervalMs?: number;
  /** Interval of the WebSocket keep-alive ping (default 30 s; also keeps SSH tunnels open). */
  heartbeatMs?: number;
  /** Largest WebSocket message accepted from a page (default 1 MiB). */
  maxMessageBytes?: number;
  /** Receives one line per notable happening (a page connected...); silent by default. */
  log?: (line: string) => void;
}

export interface LabServer {
  readonly host: string;
  readonly port: number;
  readonly token: string;
  /** http://127.0.0.1:PORT */
  readonly origin: string;
  /** The address to open: the origin with the token. */
  readonly url: string;
  /** Pages connected over the WebSocket. */
  clientCount(): number;
  /** Closes every connection and stops listening (the service is left to the caller). */
  close(): Promise<void>;
}

/** A fresh random access token (base64url, 256 bits). */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Where a request's token came from, and whether it is the right one. */
type Access = { ok: true; via: 'query' | 'header' | 'cookie' } | { ok: false; status: 401 | 403; why: string };

export async function startLabServer(options: LabServerOptions): Promise<LabServer> {
  const host = options.host ?? loopbackHost;
  if (host !== loopbackHost) {
    throw new Error(
      `the browser door listens on ${loopbackHost} only, not ${host}: reach it from another machine through an ` +
        `SSH tunnel (ssh -L 8765:127.0.0.1:8765 this-host), never by opening a port`,
    );
  }
  const port = options.port ?? defaultPort;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`port must be a whole number from 0 to 65535, not ${port}`);
  const token = options.token ?? newToken();
  if (!/^[A-Za-z0-9_-]{16,200}$/.test(token)) throw new Error('the access token must be 16 to 200 characters of A-Z a-z 0-9 _ -');
  const tokenDigest = digest(token);
  // One cookie per token: several doors on this machine (or tunnels) do not overwrite each other's.
  const cookieName = `freqlab-${tokenDigest.subarray(0, 6).toString('hex')}`;
  // What the cookie holds: a key for the static files, from which the token cannot be recovered.
  const fileKey = createHmac('sha256', token).update('frequency-lab: static files only').digest('base64url');
  const fileKeyDigest = digest(fileKey);

  let rootDir: string;
  try {
    rootDir = fs.realpathSync(path.resolve(options.rendererDir));
    if (!fs.statSync(path.join(rootDir, 'index.html')).isFile()) throw new Error('index.html is not a file');
  } catch {
    throw new Error(`no built renderer in ${path.resolve(options.rendererDir)} (index.html missing): run npm run build first`);
  }

  const csp = contentSecurityPolicy('production');
  const log = options.log ?? (() => {});
  const service = options.service;
  const maxMessageBytes = options.maxMessageBytes ?? 1024 * 1024;
  /** The connected pages, each with whether it answered the last keep-alive ping. */
  const clients = new Map<WebSocketConnection, { alive: boolean }>();

  const securityHeaders: Record<string, string> = {
    'Content-Security-Policy': csp,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Cache-Control': 'no-store',
  };

  function checkToken(candidate: string): boolean {
    return timingSafeEqual(digest(candidate), tokenDigest);
  }

  /** Whether the request carries the token (query or bearer), or, when `fileKeyCookie` (static
   *  files only), the cookie with the file key. */
  function access(req: http.IncomingMessage, url: URL, fileKeyCookie: boolean): Access {
    const candidates: { via: 'query' | 'header' | 'cookie'; value: string }[] = [];
    const fromQuery = url.searchParams.get(labTokenParam);
    if (fromQuery !== null) candidates.push({ via: 'query', value: fromQuery });
    const auth = req.headers.authorization;
    if (auth) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
      candidates.push({ via: 'header', value: m ? m[1] : '' });
    }
    const fromCookie = fileKeyCookie ? readCookie(req.headers.cookie, cookieName) : null;
    if (fromCookie !== null) candidates.push({ via: 'cookie', value: fromCookie });
    if (candidates.length === 0) return { ok: false, status: 401, why: 'this address needs the access token' };
    // Every candidate is checked (no early exit on the first): the answer takes the same time.
    let found: Access | null = null;
    for (const c of candidates) {
      const good = c.via === 'cookie' ? timingSafeEqual(digest(c.value), fileKeyDigest) : checkToken(c.value);
      if (good && !found) found = { ok: true, via: c.via };
    }
    return found ?? { ok: false, status: 403, why: 'wrong access token' };
  }

  function hostAllowed(req: http.IncomingMessage): boolean {
    const hostHeader = req.headers.host;
    if (!hostHeader) return false;
    try {
      return loopbackNames.has(new URL(`http://${hostHeader}`).hostname);
    } catch {
      return false;
    }
  }

  function refuse(res: http.ServerResponse, status: number, message: string, extra: Record<string, string> = {}): void {
    res.writeHead(status, { ...securityHeaders, 'Content-Type': 'text/plain; charset=utf-8', ...extra });
    res.end(`Frequency Lab: ${message}\n`);
  }

  const accessHelp = 'open the full address that npm run serve printed (it has ?token=...); a restarted door has a new token';

  async function onRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (!hostAllowed(req)) return refuse(res, 403, `requests must name 127.0.0.1 or localhost as their host`);
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://127.0.0.1');
    } catch {
      return refuse(res, 400, 'bad request address');
    }
    const granted = access(req, url, true);
    if (!granted.ok) {
      const extra: Record<string, string> = granted.status === 401 ? { 'WWW-Authenticate': 'Bearer realm="Frequency Lab"' } : {};
      return refuse(res, granted.status, `${granted.why}: ${accessHelp}`, extra);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'only GET and HEAD', { Allow: 'GET, HEAD' });
    if (url.pathname === labWirePath) return refuse(res, 426, 'this address is the WebSocket of the lab', { Upgrade: 'websocket' });

    const file = await staticFile(rootDir, url.pathname);
    if (file === 404 && url.pathname === '/favicon.ico') {
      // Browsers ask for it unprompted; the app has none. Nothing, rather than an error in the console.
      res.writeHead(204, securityHeaders);
      return void res.end();
    }
    if (typeof file === 'number') return refuse(res, file, file === 400 ? 'bad path' : 'not found');
    if (granted.via === 'cookie' && file.path === path.join(rootDir, 'index.html')) {
      // The page itself needs the token in its address (its client connects with it): the cookie
      // is for the files the page loads. A bookmark without the token gets this, not a page that
      // cannot reach the lab.
      return refuse(res, 401, `the page needs the access token in its address: ${accessHelp}`, { 'WWW-Authenticate': 'Bearer realm="Frequency Lab"' });
    }

    const headers: Record<string, string | string[]> = {
      ...securityHeaders,
      'Content-Type': contentTypes[path.extname(file.path).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': String(file.size),
    };
    if (granted.via !== 'cookie') {
      // The page's own requests (scripts, styles) carry no token in their URL: the cookie lets
      // them in. It holds the file key, not the token (see the top of this file).
      headers['Set-Cookie'] = `${cookieName}=${fileKey}; Path=/; HttpOnly; SameSite=Strict`;
    }
    res.writeHead(200, headers);
    if (req.method === 'HEAD') return void res.end();
    const stream = fs.createReadStream(file.path);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  }

  function refuseUpgrade(socket: Duplex, status: number, message: string): void {
    const body = `Frequency Lab: ${message}\n`;
    socket.end(
      `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ''}\r\n` +
        'Content-Type: text/plain; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
    );
    setTimeout(() => socket.destroy(), 200).unref();
  }

  function onUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    if (!hostAllowed(req)) return refuseUpgrade(socket, 403, 'requests must name 127.0.0.1 or localhost as their host');
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://127.0.0.1');
    } catch {
      return refuseUpgrade(socket, 400, 'bad request address');
    }
    // The socket reaches the lab: the token only, never the cookie.
    const granted = access(req, url, false);
    if (!granted.ok) return refuseUpgrade(socket, granted.status, `${granted.why}: ${accessHelp}`);
    if (url.pathname !== labWirePath) return refuseUpgrade(socket, 404, 'not found');
    const origin = req.headers.origin;
    if (origin !== undefined && !sameHostOrigin(origin, req.headers.host)) {
      return refuseUpgrade(socket, 403, `WebSocket connections are only accepted from the lab's own pages, not ${origin}`);
    }
    const key = req.headers['sec-websocket-key'];
    if (
      req.method !== 'GET' ||
      (req.headers.upgrade ?? '').toLowerCase() !== 'websocket' ||
      req.headers['sec-websocket-version'] !== '13' ||
      !validClientKey(key)
    ) {
      return refuseUpgrade(socket, 400, 'not a WebSocket (version 13) handshake');
    }
    socket.write(
      'HTTP/1.1 101 Switching Protocols\r\n' +
        'Upgrade: websocket\r\n' +
        'Connection: Upgrade\r\n' +
        `Sec-WebSocket-Accept: ${acceptKey(key)}\r\n\r\n`,
    );
    const ws = new WebSocketConnection(socket, head, { role: 'server', maxMessageBytes });
    const state = { alive: true };
    clients.set(ws, state);
    ws.on('pong', () => {
      state.alive = true;
    });
    log(`a page connected (${clients.size} connected)`);
    ws.on('close', () => {
      clients.delete(ws);
      log(`a page disconnected (${clients.size} connected)`);
    });
    ws.on('message', (data) => void onMessage(ws, data));
    send(ws, { type: 'hello', protocol: labWireProtocol, methods: [...labMethods] });
  }

  function send(ws: WebSocketConnection, message: LabWireServerMessage): void {
    ws.send(encodeWire(message));
  }

  async function onMessage(ws: WebSocketConnection, data: string | Buffer): Promise<void> {
    const bad = (id: number | null, message: string) => send(ws, { type: 'result', id, result: { ok: false, error: { message } } });
    if (typeof data !== 'string') return bad(null, 'lab calls are JSON text messages, not binary');
    let parsed: unknown;
    try {
      parsed = decodeWire(data);
    } catch {
      return bad(null, 'a lab call must be JSON: {"type":"call","id":1,"method":"listRuns","payload":{}}');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return bad(null, 'a lab call must be a JSON object');
    const call = parsed as Record<string, unknown>;
    const id = typeof call.id === 'number' && Number.isSafeInteger(call.id) ? call.id : null;
    if (call.type !== 'call') return bad(id, `unknown message type ${JSON.stringify(String(call.type)).slice(0, 60)} (expected "call")`);
    if (id === null) return bad(null, 'a lab call needs an "id" (a whole number) to answer to');
    // handleLabCall checks the method name and validates the payload, exactly as on IPC.
    const result = await handleLabCall(service, call.method, call.payload);
    send(ws, { type: 'result', id, result });
  }

  // Run events: encoded once, sent to every page; a page that stops reading is dropped.
  const maxBufferedBytes = 32 * 1024 * 1024;
  const forward = createEventForwarder(
    (message) => {
      if (clients.size === 0) return;
      const text = encodeWire({ type: 'event', message } satisfies LabWireServerMessage);
      for (const ws of clients.keys()) {
        if (ws.bufferedBytes > maxBufferedBytes) {
          log('dropped a page that does not read its events');
          ws.terminate(closeCodes.policy, 'not reading');
          continue;
        }
        ws.send(text);
      }
    },
    { batchIntervalMs: options.batchIntervalMs },
  );
  service.events.on('run', forward);

  const heartbeat = setInterval(() => {
    for (const [ws, state] of clients) {
      if (!state.alive) {
        ws.terminate(1006, 'no answer to ping');
        continue;
      }
      state.alive = false;
      ws.ping();
    }
  }, options.heartbeatMs ?? 30_000);
  heartbeat.unref();

  const server = http.createServer((req, res) => {
    onRequest(req, res).catch((err: unknown) => {
      log(`request failed: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent) refuse(res, 500, 'internal error');
      else res.destroy();
    });
  });
  server.on('upgrade', onUpgrade);
  server.on('clientError', (_err, socket: Socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      clearInterval(heartbeat);
      service.events.off('run', forward);
      if (err.code === 'EADDRINUSE') reject(new Error(`port ${port} on ${host} is in use: choose another with --port (0 picks a free one)`));
      else reject(err);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ host, port, exclusive: true });
  });

  const address = server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  const originText = `http://${host}:${boundPort}`;
  let closing: Promise<void> | null = null;

  return {
    host,
    port: boundPort,
    token,
    origin: originText,
    url: `${originText}/?${labTokenParam}=${token}`,
    clientCount: () => clients.size,
    close() {
      closing ??= new Promise<void>((resolve) => {
        clearInterval(heartbeat);
        service.events.off('run', forward);
        for (const ws of clients.keys()) ws.close(closeCodes.goingAway, 'the lab server is stopping');
        server.close(() => resolve());
        server.closeIdleConnections();
        // Pages that do not answer the close handshake are dropped.
        setTimeout(() => {
          for (const ws of clients.keys()) ws.terminate(closeCodes.goingAway, 'the lab server stopped');
          server.closeAllConnections();
        }, 500).unref();
      });
      return closing;
    },
  };
}

/** The value of cookie `name` in a Cookie header, or null. */
export function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

/** Whether a WebSocket Origin is a loopback page of the same host:port the request names. */
function sameHostOrigin(origin: string, hostHeader: string | undefined): boolean {
  if (!hostHeader) return false;
  try {
    const o = new URL(origin);
    return (o.protocol === 'http:' || o.protocol === 'https:') && loopbackNames.has(o.hostname) && o.host === new URL(`http://${hostHeader}`).host;
  } catch {
    return false;
  }
}

/**
 * The file a URL path names inside `root` (already a real path), or an HTTP status: 400 for a
 * path that does not decode, 404 for anything missing, hidden, not a regular file, or outside
 * the folder (through '..' or a symbolic link).
 */
export async function staticFile(root: string, urlPath: string): Promise<{ path: string; size: number } | 400 | 404> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return 400;
  }
  if (decoded.includes('\0')) return 400;
  if (decoded === '' || decoded.endsWith('/')) decoded += 'index.html';
  const segments = decoded.split('/').filter((s) => s !== '');
  if (segments.some((s) => s === '..' || s.startsWith('.') || s.includes('\\'))) return 404;
  const candidate = path.join(root, ...segments);
  let real: string;
  try {
    real = await fs.promises.realpath(candidate);
  } catch {
    return 404;
  }
  const rel = path.relative(root, real);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return 404;
  try {
    const stat = await fs.promises.stat(real);
    if (!stat.isFile()) return 404;
    return { path: real, size: stat.size };
  } catch {
    return 404;
  }
}
