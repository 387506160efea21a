// Finds the app to test: the real server, which serves the app from the web/dist it was built
// with. With ROLO_URL set, that server is used as is (it must allow a sign-up per story from
// 127.0.0.1). Otherwise this starts the rolo-server binary named by ROLO_SERVER_BIN (the Rust
// harness names the one it built) on a fresh SQLite database, and stops it afterwards.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    roloUrl: string;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

async function waitForServer(url: string, server: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (server.exitCode !== null) throw new Error(`rolo-server exited with ${server.exitCode}`);
    try {
      if ((await fetch(`${url}/v1/openapi.json`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('rolo-server did not start');
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const given = process.env.ROLO_URL;
  if (given) {
    project.provide('roloUrl', given.replace(/\/$/, ''));
    return async () => undefined;
  }
  const bin = process.env.ROLO_SERVER_BIN;
  if (!bin || !existsSync(bin)) throw new Error('Set ROLO_URL to a running server, or ROLO_SERVER_BIN to the rolo-server binary');
  const dir = mkdtempSync(join(tmpdir(), 'rolo-e2e-'));
  const port = await freePort();
  const server = spawn(bin, [], {
    env: {
      ...process.env,
      ROLO_LISTEN: `127.0.0.1:${port}`,
      ROLO_DATABASE_URL: `sqlite://${join(dir, 'rolo.db')}`,
      // Every story signs up its own company from 127.0.0.1.
      ROLO_SIGNUPS_PER_HOUR: '1000',
      ROLO_SIGNIN_PER_MINUTE: '1000',
      RUST_LOG: 'warn',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForServer(url, server);
  project.provide('roloUrl', url);
  return async () => {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  };
}
