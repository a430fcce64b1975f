import { existsSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import { ROOT } from '../support/paths.js';
import { Stack } from '../support/stack.js';
import { ask, Browser, expectCleanPages, newConversation, screenshotPath, shownNumber, signIn } from './support/browser.js';

// The report on a 375 px wide phone: recommendations are stacked cards whose titles read as words, not a table
// squeezed until its cells break letter by letter.

let stack: Stack;
let browser: Browser;

beforeAll(async () => {
  // One at a time, each assigned as soon as it exists: afterAll stops whatever started, also when the next failed.
  stack = await Stack.start('e2ereportmobile');
  browser = await Browser.launch();
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

afterEach(() => expectCleanPages(browser));

/** What the page shows of one recommendation at the current width. */
interface CardLayout {
  title: string;
  width: number;
  display: string;
  /** Non-blank characters on each rendered line of the title. */
  lineLengths: number[];
  savings: string;
  risk: string;
}

describe('the report on a phone', () => {
  it('shows every recommendation as a readable card at 375 px', async () => {
    const page = await browser.page(stack.gateway.url);
    await signIn(page, stack.gateway.url, 'ines');

    // A demo workload from the Data page, as a person would make one.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Data' }).click();
    await page.waitForURL(/\/data$/);
    const synthetic = page.getByTestId('synthetic-form');
    await synthetic.getByLabel('Days').fill('14');
    await synthetic.getByLabel('Requests per day').fill('300');
    await synthetic.getByLabel('Seed').fill('7');
    await synthetic.getByRole('button', { name: 'Generate' }).click();
    const generated = page.getByTestId('synthetic-result');
    await generated.waitFor({ timeout: 60_000 });
    expect(shownNumber(await generated.locator('strong').textContent())).toBeGreaterThan(0);

    await newConversation(page);
    await ask(page, 'How can I cut my LLM cost?');
    await page.getByTestId('run-progress').and(page.locator('[data-phase="completed"]')).waitFor({ timeout: 60_000 });
    const report = page.getByTestId('report');
    await report.waitFor();
    const cards = report.getByTestId('recommendation');
    // The check below means something only if there are recommendations to lay out.
    expect(await cards.count()).toBeGreaterThan(0);

    await page.setViewportSize({ width: 375, height: 812 });
    // The narrow layout applies once the browser has re-laid out the page: cards are no longer table rows.
    await page.waitForFunction(() => {
      const first = document.querySelector('[data-testid="recommendation"]');
      return window.innerWidth === 375 && first !== null && getComputedStyle(first).display !== 'table-row';
    });

    const layouts: CardLayout[] = await cards.evaluateAll((elements) =>
      elements.map((card) => {
        const title = card.querySelector('[data-testid="rec-title"]');
        if (!title) throw new Error('a recommendation without a title');
        // Group the title's characters by the line they are drawn on (a new line starts below the previous one).
        const lineLengths: number[] = [];
        let lineTop = Number.NEGATIVE_INFINITY;
        const walker = document.createTreeWalker(title, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          const chars = node.textContent ?? '';
          for (let i = 0; i < chars.length; i += 1) {
            if (/\s/.test(chars[i] ?? '')) continue;
            const range = document.createRange();
            range.setStart(node, i);
            range.setEnd(node, i + 1);
            const rect = range.getClientRects()[0];
            if (!rect) continue;
            if (rect.top >= lineTop + rect.height / 2) {
              lineLengths.push(0);
              lineTop = rect.top;
            }
            lineLengths[lineLengths.length - 1] = (lineLengths[lineLengths.length - 1] ?? 0) + 1;
          }
        }
        return {
          title: (title.textContent ?? '').trim(),
          width: card.getBoundingClientRect().width,
          display: getComputedStyle(card).display,
          lineLengths,
          savings: (card.querySelector('[data-testid="rec-savings"]')?.textContent ?? '').trim(),
          risk: (card.querySelector('.risk')?.textContent ?? '').trim(),
        };
      }),
    );

    // Every card is a card, wide enough, and its title reads as words: no line holds a single character (a word
    // broken letter by letter would), and the longest line holds a real run of text.
    const problems = layouts.flatMap((card) => {
      const found: string[] = [];
      const characters = card.lineLengths.reduce((a, b) => a + b, 0);
      if (card.display !== 'grid') found.push(`laid out as ${card.display}, not as a card`);
      if (card.width < 250) found.push(`only ${card.width} px wide`);
      if (characters === 0) found.push('title not drawn');
      if (card.lineLengths.some((n) => n <= 1)) found.push(`title lines of ${card.lineLengths.join(', ')} characters`);
      if (Math.max(0, ...card.lineLengths) < Math.min(characters, 12)) found.push(`longest title line has ${Math.max(0, ...card.lineLengths)} characters`);
      // What a reader needs next to the title: the savings and the quality risk.
      if (!/^-?\$[\d,]+\.\d{2}$/.test(card.savings)) found.push(`savings shown as ${JSON.stringify(card.savings)}`);
      if (card.risk === '') found.push('no quality risk');
      return found.map((f) => `${card.title}: ${f}`);
    });
    expect(layouts).toHaveLength(await cards.count());
    expect(problems).toEqual([]);

    // Nothing outside a horizontally scrollable table is wider than the phone.
    const overflow = await page.evaluate(() => {
      const wide = [...document.querySelectorAll<HTMLElement>('[data-testid="report"] *')].filter(
        (el) => el.getBoundingClientRect().right > window.innerWidth + 1 && el.closest('.table-wrap:not(.recs-wrap)') === null,
      );
      return { page: document.documentElement.scrollWidth, wide: wide.map((el) => el.className || el.tagName).slice(0, 5) };
    });
    expect(overflow).toEqual({ page: 375, wide: [] });

    // The screenshot: the recommendations as a phone shows them.
    await report.locator('section[aria-label="Recommendations"]').evaluate((el) => el.scrollIntoView({ block: 'start' }));
    const shot = screenshotPath('report-375');
    await page.screenshot({ path: shot });
    console.log(`report at 375 px: ${shot}`);
    // Kept in docs/screenshots the first time; refreshed there only on purpose (NETRA_SCREENSHOTS=update writes it
    // directly), so a test run leaves a committed screenshot alone.
    const committed = path.join(ROOT, 'docs/screenshots/report-375.png');
    if (shot !== committed && existsSync(path.dirname(committed)) && !existsSync(committed)) await copyFile(shot, committed);
    await page.close();
  });
});
