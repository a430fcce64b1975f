import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { AGENTS, Report, ServerFrame, type Run } from '@netra/contracts';
import type { Page } from 'playwright-core';
import { Stack } from '../support/stack.js';
import { ask, Browser, expectCleanPages, newConversation, screenshotPath, shownNumber, signIn } from './support/browser.js';
import { seedUsage, usageTotals } from './support/usage.js';

let stack: Stack;
let browser: Browser;

beforeAll(async () => {
  // One at a time, each assigned as soon as it exists: afterAll stops whatever started, also when the next failed.
  stack = await Stack.start('e2echat');
  browser = await Browser.launch();
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

afterEach(() => expectCleanPages(browser));

async function userIdOf(subject: string): Promise<string> {
  const user = await stack.db.user.findFirstOrThrow({ where: { subject } });
  return user.id;
}



describe('the web client in a real browser', () => {
  it('signs in, asks, shows the five stages complete and a report whose numbers match the database', async () => {
    const page = await browser.page(stack.gateway.url);
    await signIn(page, stack.gateway.url, 'alice');
    await page.getByText('No conversations yet.').waitFor();
    const userId = await userIdOf('alice');
    await seedUsage(await stack.api('alice'), userId, { days: 5, perDay: 40 });

    const threadId = await newConversation(page);
    // An empty conversation offers the example questions.
    for (const label of ['Cut cost at the same quality', 'Latency targets', 'What if traffic grows', 'Compare models', 'Cache audit']) {
      await page.getByRole('button', { name: new RegExp(label) }).waitFor();
    }

    const question = 'How can I cut my LLM cost over the last 7 days without lowering quality?';
    await ask(page, question);
    // Shown at once, before the server has answered.
    await page.getByTestId('user-message').filter({ hasText: question }).waitFor({ timeout: 1_000 });

    const progress = page.getByTestId('run-progress');
    await progress.and(page.locator('[data-phase="completed"]')).waitFor({ timeout: 30_000 });
    for (const agent of AGENTS) {
      const stage = page.getByTestId(`stage-${agent}`);
      expect(await stage.getAttribute('data-status')).toBe('completed');
      expect(await stage.textContent()).toMatch(/done · \d+(\.\d+)? (ms|s)/);
    }
    expect(await page.getByTestId(/^stage-/).count()).toBe(5);

    // The report on the page is the run's report, and its totals are what SQL says about the same window.
    const runId = await progress.getAttribute('data-run-id');
    const api = await stack.api('alice');
    const run = (await api.get<Run>(`/api/v1/runs/${runId}`)).body;
    expect(run.status).toBe('completed');
    expect(run.threadId).toBe(threadId);
    const report = Report.parse(run.report);
    const sql = await usageTotals(stack.db, userId, report.window.from, report.window.to);
    expect(sql.requests).toBe(200);
    expect(report.currentState.requests).toBe(sql.requests);
    expect(report.currentState.totalCostUsd).toBeCloseTo(sql.costUsd, 6);

    const shown = page.getByTestId('report');
    expect(shownNumber(await shown.getByTestId('stat-requests').textContent())).toBe(sql.requests);
    expect(shownNumber(await shown.getByTestId('stat-cost').textContent())).toBeCloseTo(sql.costUsd, 2);
    // One unit style: "840 ms" under a second, "2.9 s" above.
    const p95 = report.currentState.p95LatencyMs;
    expect(await shown.getByTestId('stat-p95').textContent()).toBe(p95 >= 1_000 ? `${(p95 / 1_000).toFixed(1)} s` : `${Math.round(p95)} ms`);
    // Recommendations: every one shown, largest monthly savings first.
    const savings = (await shown.getByTestId('rec-savings').allTextContents()).map(shownNumber);
    expect(savings).toHaveLength(report.recommendations.length);
    expect(savings).toEqual([...savings].sort((a, b) => b - a));
    // The chart has one bar per model.
    expect(await shown.locator('.cost-chart rect').count()).toBe(report.currentState.byModel.length);

    // Exports: the JSON is the report itself; the Markdown carries the same numbers.
    const [json] = await Promise.all([page.waitForEvent('download'), shown.getByRole('button', { name: 'JSON' }).click()]);
    expect(JSON.parse(await readFile(await json.path(), 'utf8'))).toEqual(report);
    const [md] = await Promise.all([page.waitForEvent('download'), shown.getByRole('button', { name: 'Markdown' }).click()]);
    const markdown = await readFile(await md.path(), 'utf8');
    expect(markdown).toContain(`| ${sql.requests.toLocaleString('en-US')} | $`);
    expect(md.suggestedFilename()).toMatch(/^netra-report-\d{4}-\d{2}-\d{2}\.md$/);

    // The new conversation was named after its question, in the sidebar too.
    await page.getByTestId('thread-list').getByRole('link', { name: new RegExp(question.slice(0, 30)) }).waitFor();

    // Screenshots for the README: the conversation with its progress, and the whole report (a tall viewport so
    // the report is not cut by its scrolling container).
    await page.getByTestId('user-message').scrollIntoViewIfNeeded();
    await page.screenshot({ path: screenshotPath('chat') });
    await page.setViewportSize({ width: 1100, height: 1700 });
    await shown.evaluate((el) => el.scrollIntoView({ block: 'start' }));
    const box = await shown.boundingBox();
    const visible = await page.getByTestId('messages').boundingBox();
    if (!box || !visible) throw new Error('report not on screen');
    await page.screenshot({
      path: screenshotPath('report'),
      clip: { x: box.x, y: box.y, width: box.width, height: Math.min(box.height, visible.y + visible.height - box.y) },
    });
    await page.setViewportSize({ width: 1280, height: 860 });

    // A reload (the token is in sessionStorage) shows the same conversation from history.
    await page.reload();
    await page.getByTestId('report').getByTestId('stat-requests').waitFor();
    expect(await page.getByTestId('user-message').count()).toBe(1);
    expect(await page.getByTestId('report').count()).toBe(1);
    await page.close();
  });

  it('lists, searches, renames, archives and restores conversations, and pages through long lists and histories', async () => {
    const api = await stack.api('bob');
    for (let i = 1; i <= 34; i += 1) await api.post('/api/v1/threads', { title: `Thread ${String(i).padStart(2, '0')}` });
    const long = (await api.post<{ id: string }>('/api/v1/threads', { title: 'Long history' })).body;
    await api.post('/api/v1/threads', { title: 'Quarterly cost review' });
    const bobId = await userIdOf('bob');
    const start = Date.now() - 3_600_000;
    await stack.db.message.createMany({
      data: Array.from({ length: 45 }, (_, i) => ({
        threadId: long.id,
        userId: bobId,
        role: 'user' as const,
        content: `message ${String(i + 1).padStart(2, '0')}`,
        createdAt: new Date(start + i * 1000),
      })),
    });

    const page = await browser.page(stack.gateway.url);
    await signIn(page, stack.gateway.url, 'bob');
    const list = page.getByTestId('thread-list');
    const links = list.getByRole('link');
    await list.getByRole('link', { name: /Quarterly cost review/ }).waitFor();
    expect(await links.count()).toBe(30);
    // Infinite scroll: reaching the end of the list loads the next page.
    await list.getByRole('button', { name: /Load more|Loading/ }).scrollIntoViewIfNeeded();
    await list.getByRole('link', { name: /Thread 01/ }).waitFor();
    expect(await links.count()).toBe(36);

    // Search by title.
    await page.getByLabel('Search conversations by title').fill('quarterly');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="thread-list"] a').length === 1);
    // Rename from the sidebar.
    await list.getByRole('button', { name: 'Rename “Quarterly cost review”' }).click();
    await list.getByLabel('New title').fill('Q3 cost review');
    await list.getByRole('button', { name: 'Save' }).click();
    await page.getByLabel('Search conversations by title').fill('q3');
    await list.getByRole('link', { name: /Q3 cost review/ }).waitFor();
    const renamed = await stack.db.thread.findFirstOrThrow({ where: { userId: bobId, title: 'Q3 cost review' } });
    // Archive: it leaves the list, shows under "Show archived", and comes back when restored.
    await list.getByRole('button', { name: 'Archive “Q3 cost review”' }).click();
    await list.getByText('No conversation matches.').waitFor();
    expect((await stack.db.thread.findUniqueOrThrow({ where: { id: renamed.id } })).archivedAt).not.toBeNull();
    await page.getByLabel('Show archived').check();
    await list.getByRole('button', { name: 'Restore “Q3 cost review”' }).click();
    await list.getByText('No conversation matches.').waitFor();
    await page.getByLabel('Show archived').uncheck();
    await list.getByRole('link', { name: /Q3 cost review/ }).waitFor();
    expect((await stack.db.thread.findUniqueOrThrow({ where: { id: renamed.id } })).archivedAt).toBeNull();

    // History paging: the newest page first, older messages on demand, in order.
    await page.getByLabel('Search conversations by title').fill('long');
    await list.getByRole('link', { name: /Long history/ }).click();
    const bubbles = page.getByTestId('user-message');
    await bubbles.filter({ hasText: 'message 45' }).waitFor();
    expect(await bubbles.count()).toBe(30);
    // Older messages come on a click, or by themselves when the top of the list scrolls into view (an
    // IntersectionObserver): on a loaded machine the page may reach the top before it first scrolls to the bottom,
    // and then the button turns to "Loading…" and goes away before a click lands. Either way the whole history
    // must arrive, once and in order; the click's own outcome does not matter once it has.
    const oldest = bubbles.filter({ hasText: 'message 01' });
    const click = page
      .getByRole('button', { name: 'Load older messages' })
      .click()
      .then(
        () => 'clicked',
        (error: unknown) => `not clicked: ${String(error)}`,
      );
    await Promise.race([click, oldest.waitFor()]);
    await oldest.waitFor();
    await page.getByRole('button', { name: /Load older messages|Loading…/ }).waitFor({ state: 'detached' });
    const texts = (await page.locator('[data-testid="user-message"] .bubble-text').allTextContents()).map((t) => t.trim());
    expect(texts).toEqual(Array.from({ length: 45 }, (_, i) => `message ${String(i + 1).padStart(2, '0')}`));
    await page.close();
  });

  it('survives a socket killed mid-run: reconnects, resumes after its last event, every stage once', async () => {
    const page = await browser.page(stack.gateway.url);
    const sockets: ServerFrame[][] = [];
    // The test sits between the page and the gateway and cuts the first socket as the data stage starts: frames
    // sent after that are lost, as on a dropped network. No frame is invented or altered.
    await page.routeWebSocket(/\/ws\?ticket=/, (ws) => {
      const frames: ServerFrame[] = [];
      const first = sockets.length === 0;
      sockets.push(frames);
      const server = ws.connectToServer();
      let cut = false;
      ws.onMessage((m) => {
        if (!cut) server.send(m);
      });
      server.onMessage((m) => {
        if (cut) return;
        ws.send(m);
        const frame = ServerFrame.parse(JSON.parse(String(m)));
        frames.push(frame);
        if (first && frame.type === 'sub_agent_update' && frame.agent === 'data' && frame.status === 'running') {
          cut = true;
          void ws.close({ code: 4000, reason: 'network lost (test)' });
          void server.close();
        }
      });
    });
    await signIn(page, stack.gateway.url, 'carol');
    await seedUsage(await stack.api('carol'), await userIdOf('carol'), { days: 3, perDay: 20 });
    await newConversation(page);
    await ask(page, 'Where does my latency come from?');
    // A bound against a hang, not a speed check: on a loaded machine the page may take a while to notice.
    await page.locator('[data-testid="connection"].connection-waiting').waitFor({ timeout: 20_000 });
    await page.getByTestId('run-progress').and(page.locator('[data-phase="completed"]')).waitFor({ timeout: 30_000 });
    await page.getByTestId('connection').filter({ hasText: 'Live' }).waitFor();

    expect(sockets.length).toBeGreaterThanOrEqual(2);
    const events = sockets.flat().filter((f): f is Extract<ServerFrame, { eventId: string }> => 'eventId' in f);
    const ids = events.map((e) => e.eventId);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    expect(events.filter((e) => e.type === 'sub_agent_update' && e.status === 'completed').map((e) => (e.type === 'sub_agent_update' ? e.agent : ''))).toEqual([...AGENTS]);
    expect(events.filter((e) => e.type === 'agent_completed')).toHaveLength(1);
    // The second socket resumed with `after` = the last event the first one delivered.
    const lastBeforeCut = sockets[0]?.filter((f) => 'eventId' in f).pop();
    expect(sockets[1]?.some((f) => f.type === 'subscribed' && f.lastEventId !== null && lastBeforeCut && 'eventId' in lastBeforeCut && f.lastEventId >= lastBeforeCut.eventId)).toBe(true);

    // And on the page: five stages, each completed once, one report.
    expect(await page.getByTestId(/^stage-/).count()).toBe(5);
    for (const agent of AGENTS) expect(await page.getByTestId(`stage-${agent}`).getAttribute('data-status')).toBe('completed');
    expect(await page.getByTestId('report').count()).toBe(1);
    await page.close();
  });

  it('explains a conversation that does not exist once, in words, with nothing to send or rename there', async () => {
    const page = await browser.page(stack.gateway.url);
    await signIn(page, stack.gateway.url, 'dave');
    await page.goto(`${stack.gateway.url}/threads/${randomUUID()}`);
    const view = page.getByTestId('thread-not-found');
    await view.waitFor();
    await page.getByRole('heading', { name: 'Conversation not found' }).waitFor();
    // One view says it once (the title lookup and the history both got a 404).
    // (The notices area is an always-present, empty live region: only alerts with words count.)
    const alerts = page.getByRole('alert').filter({ hasText: /\S/ });
    expect(await alerts.count()).toBe(1);
    expect(await page.locator('.notices .notice').count()).toBe(0);
    expect(await alerts.first().textContent()).toMatch(/no conversation at this address/);
    expect(await alerts.first().textContent()).not.toMatch(/[{}]/);
    expect(await page.getByLabel('Your question').isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Send' }).isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Rename' }).isDisabled()).toBe(true);
    // The way out works.
    await view.getByRole('link', { name: 'Start a new one' }).click();
    await page.getByRole('heading', { name: 'Ask Netra about your LLM spend' }).waitFor();
    await page.close();
  });

  it('is usable on a 375 px wide phone', async () => {
    const page = await browser.page(stack.gateway.url);
    await page.setViewportSize({ width: 375, height: 812 });
    await signIn(page, stack.gateway.url, 'erin');
    await page.getByRole('button', { name: 'Conversations' }).click();
    await page.getByRole('button', { name: '+ New conversation' }).click();
    await page.waitForURL(/\/threads\//);
    await page.getByRole('button', { name: /Cache audit/ }).click();
    await page.getByTestId('run-progress').and(page.locator('[data-phase="completed"]')).waitFor({ timeout: 30_000 });
    await page.getByTestId('report').waitFor();
    const overflow = await page.evaluate(() => {
      const wide = [...document.querySelectorAll<HTMLElement>('body *')].filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1 && el.closest('.table-wrap, .sidebar') === null);
      return { page: document.documentElement.scrollWidth, wide: wide.map((el) => el.className || el.tagName).slice(0, 5) };
    });
    expect(overflow).toEqual({ page: 375, wide: [] });
    await page.getByTestId('user-message').scrollIntoViewIfNeeded();
    await page.screenshot({ path: screenshotPath('mobile') });
    await page.close();
  });
});
