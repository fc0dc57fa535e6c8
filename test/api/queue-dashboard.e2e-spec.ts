import { chromium, type Browser } from 'playwright-core';
import { IMAGE_QUEUE } from '#libs/jobs';
import { readTestEnvironment } from '../environment/index.js';
import { rest, startApi, TEST_TOKENS, type ApiUnderTest } from '../support/api-under-test.js';

const env = readTestEnvironment();
const DASHBOARD = '/admin/queues';

describe('the queue dashboard (Bull Board) at /admin/queues', () => {
  let api: ApiUnderTest;
  let browser: Browser;

  beforeAll(async () => {
    api = await startApi(env);
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  });

  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  it.each([DASHBOARD, `${DASHBOARD}/api/queues`])(
    'refuses %s without a valid token (401) and to read and write tokens (403), as problem documents',
    async (path) => {
      for (const token of [null, 'not-a-known-token-0123456789']) {
        const answer = await rest(api, path, { token });
        expect(answer.status).toBe(401);
        expect(answer.contentType).toContain('application/problem+json');
        expect(answer.body.code).toBe('UNAUTHENTICATED');
      }
      for (const token of [TEST_TOKENS.read, TEST_TOKENS.write]) {
        const answer = await rest(api, path, { token });
        expect(answer.status).toBe(403);
        expect(answer.contentType).toContain('application/problem+json');
        expect(answer.body.code).toBe('FORBIDDEN');
      }
    },
  );

  it('serves an admin its page, with scripts and styles from the service itself', async () => {
    const page = await rest(api, DASHBOARD, { token: TEST_TOKENS.admin });
    expect(page.status).toBe(200);
    expect(page.contentType).toContain('text/html');
    expect(page.body).toContain(`<base href="${DASHBOARD}/"`);
    const scripts = [...(page.body as string).matchAll(/<script[^>]* src="([^"]+)"/g)].map(
      (match) => match[1]!,
    );
    const styles = [...(page.body as string).matchAll(/<link href="(static\/[^"]+\.css)"/g)].map(
      (match) => match[1]!,
    );
    expect(scripts.length).toBeGreaterThan(0);
    expect(styles.length).toBeGreaterThan(0);
    for (const asset of [...scripts, ...styles]) {
      expect(asset).toMatch(/^static\//);
      const answer = await rest(api, `${DASHBOARD}/${asset}`, { token: TEST_TOKENS.admin });
      expect(`${asset}: ${answer.status}`).toBe(`${asset}: 200`);
    }
    // Bull Board is an Express app of its own: it must not put back the header helmet removes.
    const headers = (
      await fetch(`${api.url}${DASHBOARD}`, { headers: { authorization: `Bearer ${TEST_TOKENS.admin}` } })
    ).headers;
    expect(headers.get('x-powered-by')).toBeNull();
    expect(headers.get('content-security-policy')).toContain("script-src 'self'");
    // Assets are the dashboard's too: admins only.
    expect((await rest(api, `${DASHBOARD}/${scripts[0]}`, { token: TEST_TOKENS.read })).status).toBe(403);
  });

  it("lists the image queue in the dashboard's API, read-only", async () => {
    const answer = await rest(api, `${DASHBOARD}/api/queues`, { token: TEST_TOKENS.admin });
    expect(answer.status).toBe(200);
    const queues = answer.body.queues as { name: string; readOnlyMode: boolean; counts: object }[];
    expect(queues.map((queue) => queue.name)).toEqual([IMAGE_QUEUE]);
    expect(queues[0]).toMatchObject({ readOnlyMode: true, counts: expect.any(Object) });
  });

  it('refuses changes through the dashboard, even to an admin', async () => {
    // Promoting delayed jobs is the least harmful change should it ever go through: the queue is shared.
    const answer = await rest(api, `${DASHBOARD}/api/queues/${IMAGE_QUEUE}/promote`, {
      token: TEST_TOKENS.admin,
      method: 'PUT',
    });
    expect(answer.status).toBe(405);
  });

  it('works in a browser under the service’s CSP, given the admin token as a proxy in front would add it', async () => {
    const context = await browser.newContext({
      extraHTTPHeaders: { authorization: `Bearer ${TEST_TOKENS.admin}` },
    });
    try {
      const page = await context.newPage();
      const requests: string[] = [];
      const errors: string[] = [];
      const cspViolations: string[] = [];
      page.on('request', (request) => requests.push(request.url()));
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(`${message.text()} @ ${message.location().url}`);
      });
      page.on('pageerror', (error) => errors.push(error.message));
      await page.exposeFunction('reportCspViolation', (violation: string) => cspViolations.push(violation));
      await page.addInitScript({
        content: `document.addEventListener('securitypolicyviolation', (event) =>
          reportCspViolation(event.violatedDirective + ' blocked ' + event.blockedURI));`,
      });
      await page.goto(`${api.url}${DASHBOARD}`);
      await page.getByText(IMAGE_QUEUE).first().waitFor({ timeout: 30_000 });

      // The one thing the page wants from elsewhere is Google's web fonts stylesheet (hard-coded
      // in Bull Board's page): without it, the browser's own fonts. Everything else is served here.
      const isGoogleFonts = (text: string) => text.includes('https://fonts.googleapis.com/');
      const apiOrigin = new URL(api.url).origin;
      expect(requests.filter((url) => new URL(url).origin !== apiOrigin && !isGoogleFonts(url))).toEqual([]);
      expect(cspViolations.filter((violation) => !isGoogleFonts(violation))).toEqual([]);
      expect(
        errors.filter((error) => !isGoogleFonts(error) && !error.includes('ERR_NAME_NOT_RESOLVED')),
      ).toEqual([]);
      expect(requests).toContain(`${api.url}${DASHBOARD}/api/queues?page=1&jobsPerPage=10`);
    } finally {
      await context.close();
    }
  });
});
