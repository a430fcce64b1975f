import type { Page } from 'playwright-core';
import { Stack } from '../support/stack.js';
import { askInNewConversation, Browser, expectCleanPages, signIn } from './support/browser.js';

// Backpressure as a person sees it: a message refused with `overloaded` says so in words with the time to retry,
// and goes through once there is room again.

let stack: Stack;
let browser: Browser;

beforeAll(async () => {
  // No worker and room for one waiting job: the second message in flight is refused.
  // One at a time, each assigned as soon as it exists: afterAll stops whatever started, also when the next failed.
  stack = await Stack.start('e2eoverload', { workers: 0, env: { QUEUE_MAX_WAITING: '1' } });
  browser = await Browser.launch();
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

afterEach(() => expectCleanPages(browser));


describe('an overloaded Netra, in the browser', () => {
  it('shows "at capacity" with the retry time, then sends the message once there is room', async () => {
    const page = await browser.page(stack.gateway.url);
    await signIn(page, stack.gateway.url, 'ivan');
    await askInNewConversation(page, 'How can I cut my LLM cost?');
    await page.getByTestId('run-progress').and(page.locator('[data-phase="queued"]')).waitFor();
    const firstThread = page.url();

    await askInNewConversation(page, 'And my latency?');
    const bubble = page.getByTestId('user-message').filter({ hasText: 'And my latency?' });
    const error = bubble.getByRole('alert');
    await error.waitFor();
    expect(await error.textContent()).toMatch(/^Netra is at capacity\. .+ Try again in \d+ s\./);
    expect(await error.textContent()).not.toMatch(/[{}]/);
    expect(await bubble.textContent()).toContain('Not sent');
    await error.filter({ hasText: 'You can try again now.' }).waitFor({ timeout: 35_000 });
    const secondThread = page.url();
    expect(await stack.db.message.count({ where: { content: 'And my latency?' } })).toBe(0);

    // Make room: stop the queued run (its job leaves the queue), then retry the refused message.
    await page.goto(firstThread);
    await page.getByTestId('run-progress').getByRole('button', { name: 'Stop' }).click();
    await page.getByTestId('run-progress').and(page.locator('[data-phase="cancelled"]')).waitFor();
    await page.goto(secondThread);
    // A reload forgot the unsent message (it never reached the server): send it again.
    const box = page.getByLabel('Your question');
    await box.fill('And my latency?');
    await box.press('Enter');
    // The gateway samples the queue's depth a few times a second, and the page has just reloaded: a send in the
    // same moment as the cancel may still be refused. Then, like a person, wait for the countdown and press Retry.
    const queued = page.getByTestId('run-progress').and(page.locator('[data-phase="queued"]'));
    const resent = page.getByTestId('user-message').filter({ hasText: 'And my latency?' });
    // Each wait settles (the loser of a race times out or sees the page close later): never an unhandled rejection.
    const settled = (wait: Promise<void>, as: 'queued' | 'refused') => wait.then(() => as, () => 'timed out' as const);
    for (let attempt = 0; attempt < 3; attempt++) {
      const outcome = await Promise.race([
        settled(queued.waitFor({ timeout: 35_000 }), 'queued'),
        settled(resent.getByRole('alert').filter({ hasText: 'You can try again now.' }).waitFor({ timeout: 35_000 }), 'refused'),
      ]);
      if (outcome !== 'refused') break;
      await resent.getByRole('button', { name: 'Retry' }).click();
    }
    await queued.waitFor({ timeout: 10_000 });
    expect(await stack.db.message.count({ where: { content: 'And my latency?' } })).toBe(1);
    await page.close();
  });
});
