import type { Page } from 'playwright-core';
import { Stack, waitForRunStatus } from '../support/stack.js';
import { askInNewConversation, Browser, expectCleanPages, signIn } from './support/browser.js';

// Stopping runs from the browser (`stop_agent`, SPEC §3 cancellation): a queued run, and a slow one mid-model-call.

let stack: Stack;
let browser: Browser;

beforeAll(async () => {
  // No worker at first: a message stays queued until a test adds one.
  // One at a time, each assigned as soon as it exists: afterAll stops whatever started, also when the next failed.
  stack = await Stack.start('e2estop', { workers: 0 });
  browser = await Browser.launch();
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

afterEach(() => expectCleanPages(browser));


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
  await progress.getByRole('heading', { name: 'Stopped' }).waitFor();
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
  });

  it('stops a slow run in the middle of a model call', async () => {
    // A worker whose model takes 5 s per call (the local provider's simulated latency, which aborts with the run).
    await stack.addWorker({ LLM_LOCAL_DELAY_MS: '5000' });
    const page = await browser.page(stack.gateway.url);
    await signIn(page, stack.gateway.url, 'gina');
    await askInNewConversation(page, 'Compare the models I use on cost and latency.');
    const progress = page.getByTestId('run-progress');
    await progress.and(page.locator('[data-phase="running"]')).waitFor({ timeout: 15_000 });
    // Wait for a stage that stays running (the one waiting on the slow model), not one that finishes at once.
    const running = progress.locator('[data-status="running"]');
    let stuck: string | null = null;
    for (const deadline = Date.now() + 20_000; stuck === null && Date.now() < deadline; ) {
      await running.waitFor({ timeout: 15_000 });
      const agent = await running.getAttribute('data-testid');
      await page.waitForTimeout(700);
      if (agent && (await page.getByTestId(agent).getAttribute('data-status')) === 'running') stuck = agent;
    }
    expect(stuck).not.toBeNull();

    const runId = await stopAndExpectStopped(page);
    expect(await waitForRunStatus(stack.db, runId, ['cancelled', 'completed', 'failed'], 5_000)).toBe('cancelled');
    expect(await page.getByTestId('report').count()).toBe(0);
    await page.close();
  });
});
