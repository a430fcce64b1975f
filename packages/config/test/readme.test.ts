import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CONFIG_DOCS, configSchema } from '@netra/config';

describe('README configuration table', () => {
  const readme = readFileSync(path.join(process.cwd(), 'README.md'), 'utf8');
  const rows = [...readme.matchAll(/^\| `([A-Z0-9_]+)` \| (.+?) \| (.+?) \|$/gm)].map((m) => m[1]);

  it('documents every variable the config schema reads, in the same order as CONFIG_DOCS', () => {
    expect(rows).toEqual(CONFIG_DOCS.map(([name]) => name));
    expect([...rows].sort()).toEqual(Object.keys(configSchema.shape).sort());
  });
});
