import { tokenFor } from '../support/clients.js';
import { Stack } from '../support/stack.js';
import { Browser, expectCleanPages } from './support/browser.js';

// The operator pages in a real browser, under the gateway's own Content-Security-Policy: the admin sign-in, Bull
// Board and the API docs work with scripts from this origin only. Bull Board's template links Google Fonts, which
// the policy blocks on purpose (no third-party requests from an admin page): that one refusal is expected.

let stack: Stack;
let browser: Browser;

beforeAll(async () => {
  // One at a time, each assigned as soon as it exists: afterAll stops whatever started, also when the next failed.
  stack = await Stack.start('e2eadmin', { workers: 0 });
  browser = await Browser.launch();
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

afterEach(() => {
  const expected = (v: string) => v.includes("'https://fonts.googleapis.com/");
  browser.cspViolations.splice(0, browser.cspViolations.length, ...browser.cspViolations.filter((v) => !expected(v)));
  expectCleanPages(browser);
});

describe('operator pages under the CSP', () => {
  it('signs an admin in with a token and shows the agent-runs queue in Bull Board', async () => {
    const page = await browser.page(stack.gateway.url);
    await page.goto(`${stack.gateway.url}/admin/queues/`);
    await page.waitForURL(/\/admin\/login$/);
    await page.getByLabel('Bearer token').fill(await tokenFor('ops', { roles: ['admin'] }));
    await page.getByRole('button', { name: 'Open the queue dashboard' }).click();
    await page.waitForURL(/\/admin\/queues\/$/);
    await page.getByText('agent-runs').first().waitFor();
  });

  it('shows the API reference', async () => {
    const page = await browser.page(stack.gateway.url);
    await page.goto(`${stack.gateway.url}/api/docs/`);
    await page.getByText('/api/v1/threads').first().waitFor();
  });
});
