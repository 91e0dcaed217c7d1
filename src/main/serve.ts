// `npm run serve`: the lab in a browser, for a headless GPU server (through an SSH tunnel) and for
// the end-to-end tests. Opens the run database, starts the same LabService as the desktop app and
// serves the built renderer with the LabApi over a WebSocket on 127.0.0.1 (src/main/server.ts).
// Ctrl-C stops it: a run in progress is stored as cancelled with its finished epochs.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { LabService } from './service';
import { defaultPort, loopbackHost, startLabServer, type LabServer } from './server';
import { defaultDatabasePath, openDatabase } from './store/database';
import { RunStore } from './store/runs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const defaultRendererDir = path.join(repoRoot, 'out/renderer');
/** How long Ctrl-C waits for a cancelled run to store its end. */
const shutdownTimeoutMs = 30_000;

const usage = `Frequency Lab in a browser (the desktop app's screens, database and engine)

  npm run serve [-- options]

  --port N        port on 127.0.0.1 (default ${defaultPort}; 0 picks a free one)
  --db FILE       run database (default $FREQLAB_DB or the user data folder, as the desktop app)
  --renderer DIR  built renderer to serve (default out/renderer; built with npm run build when missing)
  --build         run npm run build first (after changing the renderer)
  --host ADDR     only ${loopbackHost} is accepted: use an SSH tunnel to reach it from elsewhere

From another machine: ssh -L ${defaultPort}:127.0.0.1:${defaultPort} gpu-box, then open the address printed here.
Relative data folders in configs (data/mnist) resolve against $FREQLAB_BASE_DIR, else the working folder.`;

function build(): void {
  console.log('building the renderer (npm run build)…');
  const bin = path.join(repoRoot, 'node_modules/.bin/electron-vite');
  const result = spawnSync(bin, ['build'], { cwd: repoRoot, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('npm run build failed: see its output above');
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      db: { type: 'string' },
      renderer: { type: 'string' },
      host: { type: 'string' },
      build: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const port = values.port === undefined ? defaultPort : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a whole number from 0 to 65535, not "${values.port}"`);
  const host = values.host ?? loopbackHost;
  if (host !== loopbackHost) {
    throw new Error(`--host ${host} refused: the lab listens on ${loopbackHost} only; from another machine use ssh -L ${port || defaultPort}:127.0.0.1:${port || defaultPort} this-host`);
  }
  const rendererDir = path.resolve(values.renderer ?? defaultRendererDir);
  if (values.build || (!values.renderer && !fs.existsSync(path.join(rendererDir, 'index.html')))) build();

  const dbFile = path.resolve(values.db ?? defaultDatabasePath());
  const db = openDatabase(dbFile);
  const baseDir = process.env.FREQLAB_BASE_DIR || process.cwd();
  const service = new LabService(new RunStore(db), { baseDir });
  let server: LabServer;
  try {
    server = await startLabServer({ service, rendererDir, host, port, log: (line) => console.log(`[serve] ${line}`) });
  } catch (err) {
    db.close();
    throw err;
  }

  console.log(`Frequency Lab is served on ${server.origin} (127.0.0.1 only)`);
  console.log(`  runs database: ${dbFile}`);
  console.log(`  renderer:      ${rendererDir}`);
  console.log('Open this address (it holds the access token; keep it private):');
  console.log(`  ${server.url}`);
  console.log(`From another machine: ssh -N -L ${server.port}:127.0.0.1:${server.port} THIS-HOST, then open the address above there.`);
  console.log('Ctrl-C stops the server (a run in progress is stored as cancelled with its finished epochs).');

  const stopped = new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        console.log('stopping at once');
        process.exit(130);
      }
      stopping = true;
      console.log(`\n${signal}: stopping…`);
      void (async () => {
        await server.close();
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<'timeout'>((r) => {
          timer = setTimeout(() => r('timeout'), shutdownTimeoutMs);
        });
        const result = await Promise.race([service.shutdown().then(() => 'done' as const), timeout]);
        clearTimeout(timer);
        if (result === 'timeout') console.error('the running run did not stop in time; it will show as interrupted next time');
        db.close();
        resolve();
      })();
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  });
  await stopped;
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`serve: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
