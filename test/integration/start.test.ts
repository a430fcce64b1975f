import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { ROOT } from '../support/paths.js';

// `npm start` when a port it needs is taken (issue 13): a clear message naming the port and the variable, exit 1,
// and nothing started — instead of EADDRINUSE, "restarting" and exit 0.

let holder: Server | undefined;

afterAll(async () => {
  await new Promise<void>((resolve) => (holder ? holder.close(() => resolve()) : resolve()));
});

function listen(host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => resolve(server));
  });
}

function runStart(env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'scripts/dist/start.js')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
  });
}

it('fails with exit 1 and says which port is taken and how to pick another', async () => {
  holder = await listen('0.0.0.0');
  const address = holder.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const { code, output } = await runStart({
    PATH: process.env.PATH ?? '',
    PORT: String(port),
    HOST: '0.0.0.0',
    WORKER_HTTP_PORT: '0',
    LOG_FORMAT: 'json',
    // Never reached: the port is checked before the database is touched.
    DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/netra_never',
  });
  expect(code).toBe(1);
  const lines = output.trim().split('\n').map((l) => JSON.parse(l) as { level: string; message: string; code?: string; variable?: string; port?: number });
  const error = lines.find((l) => l.level === 'error');
  expect(error).toMatchObject({ code: 'port_in_use', variable: 'PORT', port });
  expect(error?.message).toContain(`Port ${port} (PORT)`);
  expect(error?.message).toContain(`PORT=${port + 1} npm start`);
  // Nothing was started or restarted.
  expect(lines.map((l) => l.message)).not.toContain('netra started');
  expect(output).not.toMatch(/restarting|EADDRINUSE/);
});
