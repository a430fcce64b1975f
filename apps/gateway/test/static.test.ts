import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import { webClient } from '../src/http/static.js';

let root: string;
let server: Server;
let base: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'netra-web-'));
  await mkdir(path.join(root, 'assets'));
  await writeFile(path.join(root, 'index.html'), '<!doctype html><title>Netra</title>');
  await writeFile(path.join(root, 'assets', 'index-AbC123.js'), 'console.log(1)');
  await writeFile(path.join(root, 'favicon.svg'), '<svg/>');
  const app = express();
  app.get('/api/v1/threads', (_req, res) => {
    res.json({ data: [] });
  });
  const web = webClient(root);
  if (!web) throw new Error('web client not mounted');
  app.use(web);
  app.use((_req, res) => {
    res.status(404).json({ error: { code: 'not_found', message: 'nope' } });
  });
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(root, { recursive: true, force: true });
});

const html = { accept: 'text/html,application/xhtml+xml' };

describe('serving the built web client', () => {
  it('serves index.html at / with no-cache', async () => {
    const res = await fetch(`${base}/`, { headers: html });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(await res.text()).toContain('<title>Netra</title>');
  });

  it('serves hashed assets as immutable, other files as no-cache', async () => {
    const asset = await fetch(`${base}/assets/index-AbC123.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const icon = await fetch(`${base}/favicon.svg`);
    expect(icon.headers.get('cache-control')).toBe('no-cache');
  });

  it('answers client routes with index.html (reload, deep link)', async () => {
    for (const route of ['/threads/9d2e14fc-793e-4bbb-8960-82e4513d4e80', '/data']) {
      const res = await fetch(`${base}${route}`, { headers: html });
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(await res.text()).toContain('<title>Netra</title>');
    }
  });

  it('leaves the API, the socket path, health, metrics, admin and missing assets alone', async () => {
    expect(await (await fetch(`${base}/api/v1/threads`)).json()).toEqual({ data: [] });
    for (const p of ['/api/v1/nope', '/api/docs', '/ws', '/health/live', '/metrics', '/admin/queues', '/assets/missing.js']) {
      const res = await fetch(`${base}${p}`, { headers: html });
      expect([p, res.status]).toEqual([p, 404]);
      expect(res.headers.get('content-type')).toMatch(/application\/json/);
    }
    // A non-HTML request to an unknown path is not given the app either.
    expect((await fetch(`${base}/something`, { headers: { accept: 'application/json' } })).status).toBe(404);
  });

  it('is not mounted when the client is not built', () => {
    expect(webClient(path.join(root, 'missing'))).toBeUndefined();
  });
});
