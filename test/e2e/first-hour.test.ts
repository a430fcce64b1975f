import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import type { Thread } from '@netra/contracts';
import { Stack } from '../support/stack.js';
import { Browser, expectCleanPages, shownNumber, signIn } from './support/browser.js';

// The web client as a new user first meets it (issue 14): a clean console, failures worded by what failed, one
// conversation per "new conversation", and a data page whose numbers explain each other.

let stack: Stack;
let browser: Browser;
let dir: string;

beforeAll(async () => {
  [stack, browser, dir] = await Promise.all([Stack.start('e2efirsthour'), Browser.launch(), mkdtemp(path.join(tmpdir(), 'netra-e2e-'))]);
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  await rm(dir, { recursive: true, force: true });
});

afterEach(() => expectCleanPages(browser));

/** Console errors and failed API answers of a page: a normal visit has none. */
function watchConsole(page: Page): string[] {
  const seen: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') seen.push(`console: ${message.text()}`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400) seen.push(`${response.status()} ${response.request().method()} ${new URL(response.url()).pathname}`);
  });
  return seen;
}

describe('a first visit', () => {
  it('loads, signs in and opens every page without a console error or a refused request', async () => {
    const page = await browser.page(stack.gateway.url);
    const errors = watchConsole(page);
    await signIn(page, stack.gateway.url, 'first-visit');
    await page.getByText('No conversations yet.').waitFor();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Data' }).click();
    await page.getByTestId('usage-summary').waitFor();
    await page.reload();
    await page.getByTestId('usage-summary').waitFor();
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it('says "server unreachable" when the server does not answer, and "offline" when the device has no network', async () => {
    const page = await browser.page(stack.gateway.url);
    // The gateway is down (the connection is refused) while the sign-in page asks how to sign in.
    await page.route('**/api/v1/public-config', (route) => route.abort('connectionrefused'));
    await page.goto(stack.gateway.url);
    const unreachable = page.getByRole('alert').filter({ hasText: 'Server unreachable' });
    await unreachable.waitFor();
    expect(await unreachable.textContent()).toMatch(/did not answer/);
    expect(await unreachable.textContent()).not.toMatch(/network/i);
    // The token form is still there: signing in with a token needs no such question.
    await page.getByLabel(/bearer token/i).waitFor();
    await page.unroute('**/api/v1/public-config');

    await signIn(page, stack.gateway.url, 'offline-user');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Data' }).click();
    await page.getByTestId('usage-summary').waitFor();
    await browser.context.setOffline(true);
    try {
      await page.getByRole('button', { name: 'Refresh' }).click();
      await page.getByRole('alert').filter({ hasText: 'You are offline' }).waitFor();
    } finally {
      await browser.context.setOffline(false);
    }
    await page.close();
  }, 60_000);

  it('leaves no empty conversation behind: "New conversation" twice, then an example question, is one conversation', async () => {
    const page = await browser.page(stack.gateway.url);
    await signIn(page, stack.gateway.url, 'no-drafts');
    await page.getByRole('button', { name: '+ New conversation' }).click();
    await page.waitForURL(/\/threads\//);
    const first = page.url();
    await page.getByRole('button', { name: '+ New conversation' }).click();
    await page.getByRole('heading', { name: 'Try one of these' }).waitFor();
    expect(page.url()).toBe(first);
    // An example question from the empty conversation is asked there.
    await page.getByRole('button', { name: /Cache audit/ }).click();
    await page.getByTestId('run-progress').and(page.locator('[data-phase="completed"]')).waitFor({ timeout: 60_000 });
    const threads = (await (await stack.api('no-drafts')).get<{ data: Thread[] }>('/api/v1/threads')).body.data;
    expect(threads).toHaveLength(1);
    expect(threads[0]?.title).not.toBe('New conversation');

    await page.close();
  }, 90_000);
});

describe('a first question', () => {
  it('asked from an example on the home page, is shown without "Loading the conversation…" above it', async () => {
    const page = await browser.page(stack.gateway.url);
    // Watches every change from the first render: the line must never be on screen together with a message.
    await page.addInitScript(() => {
      const w = window as unknown as { loadingOverContent: boolean };
      w.loadingOverContent = false;
      new MutationObserver(() => {
        const loading = [...document.querySelectorAll('p')].some((p) => p.textContent === 'Loading the conversation…');
        if (loading && document.querySelector('[data-testid="user-message"]')) w.loadingOverContent = true;
      }).observe(document, { childList: true, subtree: true, characterData: true });
    });
    await signIn(page, stack.gateway.url, 'first-question');
    await page.getByRole('button', { name: /Cache audit/ }).first().click();
    await page.waitForURL(/\/threads\//);
    await page.getByTestId('run-progress').and(page.locator('[data-phase="completed"]')).waitFor({ timeout: 60_000 });
    expect(await page.evaluate(() => (window as unknown as { loadingOverContent: boolean }).loadingOverContent)).toBe(false);
    await page.close();
  }, 90_000);
});

describe('the data page', () => {
  it('explains generated vs shown, warns about rejected lines and unpriced models, and has per-app and per-model tables in one unit', async () => {
    const today = Math.floor(Date.now() / 86_400_000) * 86_400_000;
    const lines = [
      // Yesterday and earlier today, so they are in any window; one model the catalog does not price.
      ...Array.from({ length: 6 }, (_, i) =>
        JSON.stringify({
          id: `fh-${i}`,
          timestamp: new Date(today - 86_400_000 + i * 3_600_000).toISOString().replace('T', ' ').replace('.000Z', ''),
          app: i % 2 === 0 ? 'support-bot' : 'search',
          model: i < 2 ? 'house-model-13b' : 'gpt-4o',
          promptTokens: 400,
          completionTokens: 100,
          latencyMs: i === 5 ? 4_200 : 300 + i * 10,
          status: 'ok',
        }),
      ),
      JSON.stringify({ id: 'fh-bad', timestamp: '03/12/2026', app: 'x', model: 'gpt-4o', promptTokens: 1, completionTokens: 1, latencyMs: 1, status: 'ok' }),
    ];
    const file = path.join(dir, 'first-hour.jsonl');
    await writeFile(file, `${lines.join('\n')}\n`);

    const page = await browser.page(stack.gateway.url);
    await signIn(page, stack.gateway.url, 'data-newcomer');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Data' }).click();
    await page.getByTestId('usage-summary').waitFor();

    const form = page.getByTestId('upload-form');
    await form.getByLabel('JSONL or CSV file of usage events').setInputFiles(file);
    await form.getByRole('button', { name: 'Import' }).click();
    const result = page.getByTestId('import-result');
    await result.waitFor({ timeout: 30_000 });
    // Rejected lines: a warning, not a success box; the refusal names the accepted timestamp forms.
    expect(await result.getAttribute('data-outcome')).toBe('partial');
    expect(await result.getAttribute('class')).toMatch(/callout-warn/);
    // …and looks like one: not the green of a clean import.
    expect(await result.evaluate((el) => getComputedStyle(el).backgroundColor)).not.toBe('rgb(236, 253, 245)');
    expect(await result.textContent()).toMatch(/6 events imported, 0 duplicates skipped, 1 rejected/);
    expect(await result.getByRole('listitem').first().textContent()).toMatch(/^Line 7: .*accepted forms: ISO 8601/);
    expect(await page.getByTestId('import-unpriced').textContent()).toMatch(/house-model-13b/);
    expect(await page.getByTestId('import-unpriced').getByRole('link', { name: 'model catalog' }).getAttribute('href')).toBe('/api/docs/#/models');

    // A demo week: what was generated is exactly what "Last 7 days and today" holds, beside the imported calls.
    await page.getByRole('combobox', { name: 'Window' }).selectOption({ label: 'Last 7 days and today' });
    const synthetic = page.getByTestId('synthetic-form');
    await synthetic.getByLabel('Days').fill('7');
    await synthetic.getByLabel('Requests per day').fill('40');
    await synthetic.getByRole('button', { name: 'Generate' }).click();
    const generated = page.getByTestId('synthetic-result');
    await generated.waitFor({ timeout: 60_000 });
    expect(await generated.textContent()).toMatch(/7 whole UTC days, ending yesterday/);
    const count = shownNumber(await generated.locator('strong').textContent());
    const summary = page.getByTestId('usage-summary');
    await summary.getByTestId('usage-requests').filter({ hasText: new RegExp(`^${(count + 6).toLocaleString('en-US')}$`) }).waitFor();
    expect(await page.getByTestId('usage-window').textContent()).toMatch(/\(7 whole UTC days\) and today so far/);

    // Per app and per model, latencies in one unit per table; the unpriced model flagged with a link to the catalog.
    const byApp = page.getByTestId('usage-by-app');
    const apps = await byApp.locator('tbody th').allTextContents();
    expect(apps).toEqual(expect.arrayContaining(['support-bot', 'search', 'support-chat']));
    for (const table of [byApp, page.getByTestId('usage-by-model')]) {
      const headers = await table.locator('thead th').allTextContents();
      const units = headers.filter((h) => /^p(50|95)/.test(h)).map((h) => /\((ms|s)\)/.exec(h)?.[1]);
      expect(units).toHaveLength(2);
      expect(new Set(units).size).toBe(1);
      for (const cell of await table.locator('tbody td:nth-child(4), tbody td:nth-child(5)').allTextContents()) expect(cell).toMatch(/^[\d,.]+$|^—$/);
    }
    // The charts by app: one legend entry per app of the whole days shown.
    await page.getByRole('combobox', { name: 'Charts by' }).selectOption('app');
    const chart = page.getByTestId('chart-requests');
    await chart.locator('figcaption').filter({ hasText: 'Daily requests by app' }).waitFor();
    await chart.locator('canvas').waitFor();
    const legend = (await chart.locator('.u-legend .u-series .u-label').allTextContents()).map((t) => t.trim()).filter((t) => t !== '');
    expect(legend).toEqual(expect.arrayContaining(['support-bot', 'search', 'support-chat']));
    expect(legend).not.toContain('gpt-4o');
    const flagged = page.getByTestId('usage-by-model').locator('tbody tr').filter({ hasText: 'house-model-13b' });
    expect(await flagged.getByRole('link', { name: 'not priced' }).getAttribute('href')).toBe('/api/docs/#/models');
    expect(await page.getByTestId('unpriced-models').textContent()).toMatch(/house-model-13b/);
    await page.close();
  }, 120_000);
});
