#!/usr/bin/env node
// `npm run docs:protocol`: writes docs/PROTOCOL.md from the zod schemas of the WebSocket frames.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderProtocol } from '@netra/contracts/protocol-doc';

const target = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs/PROTOCOL.md');
writeFileSync(target, renderProtocol());
process.stdout.write(`wrote ${target}\n`);
