import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { UsageSummary } from '@netra/contracts';
import { Stack } from '../support/stack.js';
import { Browser, expectCleanPages, screenshotPath, shownNumber, signIn } from './support/browser.js';

// The data page against the usage endpoints (POST /usage-events/import, /usage-events/synthetic, GET /usage/summary).

let stack: Stack;
let browser: Browser;
let dir: string;

beforeAll(async () => {
  // One at a time, each assigned as soon as it exists: afterAll stops whatever started, also when the next failed.
  dir = await mkdtemp(path.join(tmpdir(), 'netra-e2e-'));
  stack = await Stack.start('e2edata');
  browser = await Browser.launch();
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

afterEach(() => expectCleanPages(browser));

/** Ten valid usage events over the last days, then one line that is not an event (line 11). */
function jsonl(): { text: string; costUsd: number } {
  const now = Date.now();
  const lines: string[] = [];
  let costUsd = 0;
  for (let i = 0; i < 10; i += 1) {
    const cost = 0.01 * (i + 1);
    costUsd += cost;
    lines.push(
      JSON.stringify({
        id: `e2e-${i}`,
        timestamp: new Date(now - 3_600_000 - i * 6 * 3_600_000).toISOString(),
        app: i % 2 === 0 ? 'support-bot' : 'rag-search',
        model: i % 3 === 0 ? 'gpt-4o' : 'gpt-4o-mini',
        provider: 'openai',
        promptTokens: 500 + i,
        completionTokens: 100 + i,
        latencyMs: 800 + i * 50,
        status: i === 4 ? 'error' : 'ok',
        costUsd: cost,
      }),
    );
  }
  lines.push(JSON.stringify({ id: 'e2e-bad', timestamp: 'yesterday', model: 'gpt-4o' }));
  return { text: `${lines.join('\n')}\n`, costUsd };
}

describe('the data page', () => {
  it('imports a JSONL file with progress, reports the bad line, and charts the result; generates a demo workload', async () => {
    const file = path.join(dir, 'usage.jsonl');
    const { text, costUsd } = jsonl();
    await writeFile(file, text);

    const page = await browser.page(stack.gateway.url);
    await signIn(page, stack.gateway.url, 'hana');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Data' }).click();
    await page.waitForURL(/\/data$/);
    await page.getByRole('heading', { name: 'Usage data' }).waitFor();

    // Note whether the progress bar was ever on screen (a small local upload is over in milliseconds).
    await page.evaluate(() => {
      const w = window as unknown as { sawProgress: boolean };
      w.sawProgress = false;
      new MutationObserver(() => {
        if (document.querySelector('progress')) w.sawProgress = true;
      }).observe(document.body, { childList: true, subtree: true });
    });
    const form = page.getByTestId('upload-form');
    await form.getByLabel('JSONL or CSV file of usage events').setInputFiles(file);
    await form.getByRole('button', { name: 'Import' }).click();
    const result = page.getByTestId('import-result');
    // Either the result or the page's own words about why not (e.g. the import endpoint is missing).
    const outcome = await Promise.race([
      result.waitFor({ timeout: 30_000 }).then(() => 'imported'),
      form.getByRole('alert').waitFor({ timeout: 30_000 }).then(async () => `refused: ${await form.getByRole('alert').textContent()}`),
    ]);
    expect(outcome).toBe('imported');
    expect(await page.evaluate(() => (window as unknown as { sawProgress: boolean }).sawProgress)).toBe(true);
    expect(await result.textContent()).toMatch(/10 events imported, 0 duplicates skipped, 1 rejected \(11 lines, JSONL\)/);
    expect(await result.getByRole('listitem').first().textContent()).toMatch(/^Line 11: /);

    // The page's totals are the API's, which count exactly the imported events.
    const summary = page.getByTestId('usage-summary');
    await summary.getByTestId('usage-requests').filter({ hasText: /^10$/ }).waitFor();
    const api = await stack.api('hana');
    const from = new Date(Date.now() - 30 * 86_400_000).toISOString();
    const fromApi = (await api.get<UsageSummary>(`/api/v1/usage/summary?from=${encodeURIComponent(from)}&to=${encodeURIComponent(new Date().toISOString())}`)).body;
    expect(fromApi.totals.requests).toBe(10);
    expect(fromApi.totals.costUsd).toBeCloseTo(costUsd, 6);
    expect(shownNumber(await summary.getByTestId('usage-cost').textContent())).toBeCloseTo(costUsd, 2);
    // Three charts, each drawn, with one legend entry per model.
    for (const id of ['chart-cost', 'chart-requests', 'chart-p95']) {
      const chart = page.getByTestId(id);
      await chart.locator('canvas').waitFor();
      const legend = (await chart.locator('.u-legend .u-series .u-label').allTextContents()).map((t) => t.trim());
      expect(legend.filter((t) => t !== '').sort()).toEqual(['gpt-4o', 'gpt-4o-mini']);
    }

    // The same file again: nothing new, all duplicates.
    await form.getByRole('button', { name: 'Import' }).click();
    await result.filter({ hasText: /0 events imported, 10 duplicates skipped/ }).waitFor({ timeout: 30_000 });

    // A demo workload.
    const hanaId = (await stack.db.user.findFirstOrThrow({ where: { subject: 'hana' } })).id;
    const before = await stack.db.usageEvent.count({ where: { userId: hanaId } });
    const synthetic = page.getByTestId('synthetic-form');
    await synthetic.getByLabel('Days').fill('14');
    await synthetic.getByLabel('Requests per day').fill('300');
    await synthetic.getByLabel('Seed').fill('7');
    await synthetic.getByRole('button', { name: 'Generate' }).click();
    const generated = page.getByTestId('synthetic-result');
    await generated.waitFor({ timeout: 60_000 });
    const after = await stack.db.usageEvent.count({ where: { userId: hanaId } });
    expect(shownNumber((await generated.locator('strong').textContent()) ?? '')).toBeGreaterThan(0);
    expect(after - before).toBe(shownNumber(await generated.locator('strong').textContent()));

    await page.getByTestId('chart-cost').locator('canvas').waitFor();
    await page.waitForTimeout(300);
    await page.setViewportSize({ width: 1280, height: 1500 });
    await page.screenshot({ path: screenshotPath('data') });
    await page.close();
  });
});
