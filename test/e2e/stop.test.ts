import type { Page } from 'playwright-core';
import { Stack, waitForRunStatus } from '../support/stack.js';
import { Browser, signIn } from './support/browser.js';
import { SlowLlm } from './support/slow-llm.js';

// Stopping runs from the browser. Needs the gateway's `stop_agent` handling (cancellation, SPEC §3); the running-run
// case also needs the OpenAI-compatible LLM provider (LLM_PROVIDER=openai) so that a run can be slow.

let stack: Stack;
let browser: Browser;
let llm: SlowLlm;

beforeAll(async () => {
  // No worker at first: a message stays queued until a test adds one.
  [stack, browser, llm] = await Promise.all([Stack.start('e2estop', { workers: 0 }), Browser.launch(), SlowLlm.start()]);
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  await llm?.close();
});

afterEach(() => {
  expect(browser.pageErrors).toEqual([]);
  expect(browser.cspViolations).toEqual([]);
});

async function askInNewConversation(page: Page, text: string): Promise<void> {
  await page.getByRole('button', { name: '+ New conversation' }).click();
  await page.waitForURL(/\/threads\//);
  const box = page.getByLabel('Your question');
  await box.fill(text);
  await box.press('Enter');
}

/** Clicks Stop and waits for the run to end stopped; a refusal shown instead fails with the page's own words. */
async function stopAndExpectStopped(page: Page): Promise<string> {
  const progress = page.getByTestId('run-progress');
  const runId = await progress.getAttribute('data-run-id');
  if (!runId) throw new Error('no run on the page');
  await progress.getByRole('button', { name: 'Stop' }).click();
  const outcome = await Promise.race([
    progress.and(page.locator('[data-phase="cancelled"]')).waitFor({ timeout: 10_000 }).then(() => 'stopped'),
    page.getByTestId('stop-error').waitFor({ timeout: 10_000 }).then(async () => `refused: ${await page.getByTestId('stop-error').textContent()}`),
  ]);
  expect(outcome).toBe('stopped');
  await progress.getByText(/^Stopped/).waitFor();
  expect(await progress.getByRole('button', { name: 'Stop' }).count()).toBe(0);
  return runId;
}

describe('stopping a run from the browser', () => {
  it('stops a run that is still queued: it never starts', async () => {
    const page = await browser.page(stack.gateway.url);
    await signIn(page, stack.gateway.url, 'fred');
    await askInNewConversation(page, 'How can I cut my LLM cost?');
    await page.getByTestId('run-progress').and(page.locator('[data-phase="queued"]')).waitFor();
    await page.getByText('Queued — waiting for a worker').waitFor();
    const runId = await stopAndExpectStopped(page);
    expect(await waitForRunStatus(stack.db, runId, ['cancelled', 'completed', 'failed'], 5_000)).toBe('cancelled');
    expect(await page.getByTestId('report').count()).toBe(0);
    await page.close();
  }, 60_000);

  it('stops a slow run in the middle of a model call', async () => {
    await stack.addWorker({ LLM_PROVIDER: 'openai', LLM_BASE_URL: llm.url, LLM_API_KEY: 'test-key', LLM_MODELS: 'slow-model', LLM_TIMEOUT_MS: '60000' });
    const page = await browser.page(stack.gateway.url);
    await signIn(page, stack.gateway.url, 'gina');
    await askInNewConversation(page, 'Compare the models I use on cost and latency.');
    const progress = page.getByTestId('run-progress');
    await progress.and(page.locator('[data-phase="running"]')).waitFor({ timeout: 15_000 });
    await progress.locator('[data-status="running"]').waitFor();
    // The model is answering (slowly) by now.
    const deadline = Date.now() + 10_000;
    while (llm.requests === 0 && Date.now() < deadline) await page.waitForTimeout(100);
    if (llm.requests === 0) throw new Error('the worker never called the LLM server: this build has no OpenAI-compatible provider (LLM_PROVIDER=openai)');
    expect(await progress.getAttribute('data-phase')).toBe('running');

    const runId = await stopAndExpectStopped(page);
    expect(await waitForRunStatus(stack.db, runId, ['cancelled', 'completed', 'failed'], 5_000)).toBe('cancelled');
    expect(await page.getByTestId('report').count()).toBe(0);
    await page.close();
  }, 90_000);
});
