import { Stack } from '../support/stack.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';
import { Browser, expectCleanPages, screenshotPath, signIn } from './support/browser.js';

// The Watch page (budgets, alerts, webhooks, schedules) and the alert badge fed by the socket's notification frames.

let stack: Stack;
let browser: Browser;
let receiver: WebhookReceiver;

beforeAll(async () => {
  receiver = await new WebhookReceiver().start();
  [stack, browser] = await Promise.all([Stack.start('e2ewatch', { env: { WEBHOOK_ALLOW_PRIVATE: 'true', BUDGET_CHECK_INTERVAL_MS: '1000' } }), Browser.launch()]);
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  await receiver?.close();
});

afterEach(() => expectCleanPages(browser));

describe('the watch page', () => {
  it('creates a budget, shows the alert badge when it is crossed, and lists the alert', async () => {
    const page = await browser.page(stack.gateway.url);
    await signIn(page, stack.gateway.url, 'wanda');
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Watch' }).click();
    await page.waitForURL(/\/watch$/);
    await page.getByRole('heading', { name: 'Watch', level: 1 }).waitFor();

    const form = page.getByTestId('budget-form');
    await form.getByLabel('Name').fill('Chat spend');
    await form.getByLabel('Amount (USD)').fill('5');
    await form.getByLabel('Period').selectOption('month');
    await form.getByLabel('App (optional)').fill('chat');
    await form.getByRole('button', { name: 'Add budget' }).click();
    await page.getByTestId('budgets').getByText('$0.00 of $5.00 this month').waitFor();

    // Elsewhere in the app, spend crosses half the budget: the badge counts the pushed alert.
    await nav.getByRole('link', { name: 'Data' }).click();
    await page.waitForURL(/\/data$/);
    const api = await stack.api('wanda');
    const now = new Date().toISOString();
    const events = Array.from({ length: 3 }, (_, i) => ({ id: `w-${i}`, timestamp: now, app: 'chat', model: 'gpt-4o', promptTokens: 10, completionTokens: 10, latencyMs: 100, status: 'ok', costUsd: 1 }));
    expect((await api.post('/api/v1/usage-events', { events })).status).toBe(200);
    const badge = page.getByTestId('alert-badge');
    await badge.waitFor({ timeout: 20_000 });
    expect(Number(await badge.textContent())).toBeGreaterThanOrEqual(1);

    await nav.getByRole('link', { name: /Watch/ }).click();
    await page.getByTestId('alerts').getByText(/Budget "Chat spend" reached 50 % of \$5\.00/).waitFor();
    await badge.waitFor({ state: 'detached' });
    await page.getByTestId('budgets').getByText('$3.00 of $5.00 this month').waitFor();
    await page.getByRole('img', { name: 'Spent $3.00 of $5.00' }).waitFor();
    await page.screenshot({ path: screenshotPath('watch-budgets'), fullPage: true });
  });

  it('adds a webhook, shows its secret once, sends a test and shows the delivery log; adds a schedule', async () => {
    const page = await browser.page(stack.gateway.url);
    await signIn(page, stack.gateway.url, 'walt');
    await page.goto(`${stack.gateway.url}/watch`);
    const form = page.getByTestId('webhook-form');
    await form.getByLabel('Endpoint URL').fill(`${receiver.url}/e2e`);
    await form.getByRole('button', { name: 'Add webhook' }).click();
    const secret = await page.getByTestId('webhook-secret').locator('code').textContent();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);

    const hooks = page.getByTestId('webhooks');
    await hooks.getByText(`${receiver.url}/e2e`).waitFor();
    await hooks.getByRole('button', { name: 'Send test' }).click();
    await receiver.waitFor('/e2e', 1);
    await page.getByTestId('delivery-log').getByRole('cell', { name: 'succeeded' }).waitFor({ timeout: 20_000 });
    await page.getByTestId('delivery-log').getByRole('cell', { name: 'webhook.ping' }).waitFor();

    const schedule = page.getByTestId('schedule-form');
    await schedule.getByLabel('Cron').fill('0 9 * * 1');
    await schedule.getByLabel('Time zone').fill('Europe/Paris');
    await schedule.getByRole('button', { name: 'Add schedule' }).click();
    await page.getByTestId('schedules').getByText('(Europe/Paris)').waitFor();
    // A cron that is not one: the server's reason under the form, nothing added.
    await schedule.getByLabel('Cron').fill('every day');
    await schedule.getByRole('button', { name: 'Add schedule' }).click();
    await page.getByRole('alert').filter({ hasText: /cron/i }).waitFor();
    expect(await page.getByTestId('schedules').locator('li').count()).toBe(1);
    await page.screenshot({ path: screenshotPath('watch-webhooks'), fullPage: true });
  });
});
