import os from 'node:os';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ROOT } from '../../support/paths.js';

/** Debian's Chromium (`apt-get install chromium`; `.ci/run` installs it). Playwright's own browser download cannot work here. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/**
 * Every e2e run saves its screenshots; the committed ones in docs/screenshots/ (shown in the README) are
 * refreshed only on purpose, with `NETRA_SCREENSHOTS=update npm test`, so a test run leaves the tree clean.
 */
export const SCREENSHOTS =
  process.env.NETRA_SCREENSHOTS === 'update' ? path.join(ROOT, 'docs/screenshots') : path.join(os.tmpdir(), 'netra-screenshots');

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--font-render-hinting=none',
];

/**
 * A real Chromium with a fresh profile of its own (removed on close), driven through playwright-core.
 * It records what a person would notice as broken: uncaught page errors and Content-Security-Policy violations.
 */
export class Browser {
  readonly pageErrors: string[] = [];
  readonly cspViolations: string[] = [];

  private constructor(
    readonly context: BrowserContext,
    private readonly profile: string,
  ) {}

  static async launch(): Promise<Browser> {
    const profile = await mkdtemp(path.join(tmpdir(), 'netra-chromium-'));
    try {
      const context = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        args: ARGS,
        viewport: { width: 1280, height: 860 },
        deviceScaleFactor: 1,
        acceptDownloads: true,
        locale: 'en-US',
        timezoneId: 'UTC',
      });
      return new Browser(context, profile);
    } catch (error) {
      // No browser object exists to close: its profile folder goes here, or it is left behind in /tmp.
      await rm(profile, { recursive: true, force: true });
      throw error;
    }
  }

  /**
   * A new tab on the gateway. The page runs under the Content-Security-Policy the gateway itself sends (no inline
   * scripts or styles; connections to this host only): a document served without that strict policy counts as
   * a violation, and so does anything the browser blocks, so a CSP-unfriendly change fails the tests.
   */
  async page(baseUrl: string): Promise<Page> {
    const page = await this.context.newPage();
    page.on('response', (response) => {
      if (response.request().resourceType() !== 'document' || !response.url().startsWith(baseUrl)) return;
      const csp = response.headers()['content-security-policy'] ?? '';
      for (const directive of ["default-src 'self'", "script-src 'self'", "style-src 'self'", "object-src 'none'", "frame-ancestors 'none'"]) {
        if (!csp.includes(directive)) this.cspViolations.push(`${response.url()} served without "${directive}" (CSP: ${csp || 'none'})`);
      }
    });
    page.on('pageerror', (error) => this.pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) this.cspViolations.push(message.text());
    });
    return page;
  }

  async close(): Promise<void> {
    await this.context.close();
    await rm(this.profile, { recursive: true, force: true });
  }
}

/** Signs in through the development form, as a person would. */
export async function signIn(page: Page, baseUrl: string, userId: string): Promise<void> {
  await page.goto(baseUrl);
  const form = page.getByTestId('dev-signin');
  await form.getByLabel('Sign in as').fill(userId);
  await form.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('connection').filter({ hasText: 'Live' }).waitFor();
}

/** Starts a new conversation and waits for its empty view (a new URL, the example questions). Returns its id. */
export async function newConversation(page: Page): Promise<string> {
  const before = page.url();
  await page.getByRole('button', { name: '+ New conversation' }).click();
  await page.waitForURL((url) => url.href !== before && /^\/threads\/[0-9a-f-]{36}$/.test(url.pathname));
  await page.getByRole('heading', { name: 'Try one of these' }).waitFor();
  return new URL(page.url()).pathname.split('/').pop() as string;
}

/** Types a question in the composer and sends it with Enter. */
export async function ask(page: Page, text: string): Promise<void> {
  const box = page.getByLabel('Your question');
  await box.fill(text);
  await box.press('Enter');
}

/** A new conversation with one question in it. */
export async function askInNewConversation(page: Page, text: string): Promise<void> {
  await newConversation(page);
  await ask(page, text);
}

/** Whatever a test did, the page never threw and never broke the strict CSP. */
export function expectCleanPages(browser: Browser): void {
  expect(browser.pageErrors).toEqual([]);
  expect(browser.cspViolations).toEqual([]);
}

/** Parses "$1,234.56" / "1,234" / "12 ms" as shown on the page. */
export function shownNumber(text: string | null): number {
  const cleaned = (text ?? '').replace(/[^0-9.-]/g, '');
  const n = Number(cleaned);
  if (cleaned === '' || !Number.isFinite(n)) throw new Error(`not a number on the page: ${JSON.stringify(text)}`);
  return n;
}

export function screenshotPath(name: string): string {
  return path.join(SCREENSHOTS, `${name}.png`);
}
