#!/usr/bin/env node
// `npm run token -- <userId> [--admin]`: prints a development JWT signed with JWT_SECRET.
import { loadConfig } from '@netra/config';
import { DevTokenBody } from '@netra/contracts';
import { signDevToken } from '../auth/tokens.js';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const userId = args.find((a) => !a.startsWith('--'));
  const parsed = DevTokenBody.safeParse({ userId, roles: args.includes('--admin') ? ['admin'] : [] });
  if (!parsed.success) {
    console.error(`usage: npm run token -- <userId> [--admin]\n${parsed.error.issues.map((i) => i.message).join('\n')}`);
    process.exit(2);
  }
  const { config } = loadConfig();
  if (!config.JWT_SECRET) {
    console.error('JWT_SECRET is not set: tokens for a JWKS-only deployment come from your identity provider');
    process.exit(2);
  }
  const { token } = await signDevToken({
    secret: config.JWT_SECRET,
    subject: parsed.data.userId,
    roles: parsed.data.roles ?? [],
    ttlSeconds: config.JWT_TTL_SECONDS,
    ...(config.JWT_ISSUER ? { issuer: config.JWT_ISSUER } : {}),
    ...(config.JWT_AUDIENCE ? { audience: config.JWT_AUDIENCE } : {}),
  });
  process.stdout.write(`${token}\n`);
}

void main();
