import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { runDocker } from '../environment/docker-cli.js';
import { readTestEnvironment } from '../environment/index.js';
import { startApi, TEST_TOKENS, type ApiUnderTest } from '../support/api-under-test.js';

const env = readTestEnvironment();

/** What Chromium sends when a person opens a page. */
const BROWSER_ACCEPT =
  'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8';
const IMAGES_QUERY = '{ images(first: 5) { totalCount nodes { id } } }';
/** Generous: the page is some 9 MB of inline script, and other suites share the machine. */
const UI_TIMEOUT_MS = 30_000;

/** Everything a page did that the checks look at, recorded from before it loads. */
interface PageRecord {
  readonly page: Page;
  /** Every URL the page requested, WebSockets included. */
  readonly requests: string[];
  readonly consoleErrors: string[];
  readonly cspViolations: string[];
}

/** A Monaco editor of GraphiQL: replaces its whole text as a paste would. */
async function replaceEditorText(page: Page, editor: Locator, text: string): Promise<void> {
  await editor.click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.insertText(text);
  // Monaco closes brackets and quotes as they come in: drop what it added after the text.
  await page.keyboard.press('Shift+ControlOrMeta+End');
  await page.keyboard.press('Delete');
}

describe('the GraphQL IDE at GET /graphql, and security headers', () => {
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

  async function open(path: string): Promise<PageRecord> {
    const page = await browser.newPage();
    const record: PageRecord = { page, requests: [], consoleErrors: [], cspViolations: [] };
    page.on('request', (request) => record.requests.push(request.url()));
    page.on('websocket', (socket) => record.requests.push(socket.url()));
    const onConsole = (message: { type(): string; text(): string; location(): { url: string } }) => {
      if (message.type() === 'error')
        record.consoleErrors.push(`${message.text()} @ ${message.location().url}`);
    };
    page.on('console', onConsole);
    page.on('worker', (worker) => worker.on('console', onConsole));
    page.on('pageerror', (error) => record.consoleErrors.push(error.message));
    await page.exposeFunction('reportCspViolation', (violation: string) =>
      record.cspViolations.push(violation),
    );
    await page.addInitScript({
      content: `document.addEventListener('securitypolicyviolation', (event) =>
        reportCspViolation(event.violatedDirective + ' blocked ' + event.blockedURI));`,
    });
    await page.goto(`${api.url}${path}`);
    return record;
  }

  /** Requests to anything but the api itself (blob: URLs count as their creator's origin). */
  function foreignRequests(record: PageRecord): string[] {
    const apiHost = new URL(api.url).host;
    return record.requests.filter(
      (url) => !url.startsWith('data:') && new URL(url.replace(/^blob:/, '')).host !== apiHost,
    );
  }

  async function openIdeWithToken(): Promise<PageRecord> {
    const record = await open('/graphql');
    const { page } = record;
    await page.getByRole('button', { name: 'Headers', exact: true }).click({ timeout: UI_TIMEOUT_MS });
    await replaceEditorText(
      page,
      page.locator('section.graphiql-editor-tool .graphiql-editor:not(.hidden)'),
      JSON.stringify({ Authorization: `Bearer ${TEST_TOKENS.read}` }),
    );
    return record;
  }

  async function runInIde(page: Page, operation: string): Promise<void> {
    await replaceEditorText(page, page.locator('.graphiql-query-editor .graphiql-editor'), operation);
    await page.getByRole('button', { name: /^Execute query/ }).click();
  }

  describe('authentication on /graphql', () => {
    /** A token-less GET of /graphql. */
    const get = (search: string, accept: string) =>
      fetch(`${api.url}/graphql${search}`, { headers: { accept } });

    it('serves a browser the IDE page without a token, self-contained, under a CSP of its own', async () => {
      const response = await get('', BROWSER_ACCEPT);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/html');
      const html = await response.text();
      expect(html).toContain('<title>Stevedore GraphiQL</title>');
      expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)="(https?:)?\/\//);

      const csp = response.headers.get('content-security-policy') ?? '';
      const scriptSrc = /script-src ([^;]*)/.exec(csp)?.[1] ?? '';
      expect(scriptSrc.match(/'sha256-[A-Za-z0-9+/=]+'/g)).toHaveLength(2);
      expect(scriptSrc).not.toContain('unsafe-inline');
      expect(csp).toContain('worker-src blob:');
      expect(csp).toContain("connect-src 'self'");
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    });

    it.each([
      ['an operation by GET', `?query=${encodeURIComponent(IMAGES_QUERY)}`, 'application/json'],
      ['an operation by GET from a browser', `?query=${encodeURIComponent(IMAGES_QUERY)}`, BROWSER_ACCEPT],
      ['a persisted-query hash by GET', `?extensions=${encodeURIComponent('{"persistedQuery":{}}')}`, '*/*'],
      ['a GET that does not prefer HTML', '', '*/*'],
    ])('refuses %s without a token as UNAUTHENTICATED', async (_case, search, accept) => {
      const response = await get(search, accept);
      expect(response.status).toBe(401);
      const body = (await response.json()) as { data?: unknown; errors: { extensions: { code: string } }[] };
      expect(body.errors[0]!.extensions.code).toBe('UNAUTHENTICATED');
      expect(body.data).toBeUndefined();
    });

    it('refuses a POST without a token, even one that asks for HTML', async () => {
      const response = await fetch(`${api.url}/graphql`, {
        method: 'POST',
        headers: { accept: BROWSER_ACCEPT, 'content-type': 'application/json' },
        body: JSON.stringify({ query: IMAGES_QUERY }),
      });
      expect(response.status).toBe(401);
    });
  });

  it('loads the IDE with no request outside the api, no CSP violation and no error but the token-less schema fetch', async () => {
    const record = await open('/graphql');
    await record.page.locator('.graphiql-query-editor .view-lines').waitFor({ timeout: UI_TIMEOUT_MS });
    // GraphiQL fetches the schema at once, with the header editor's placeholder token: refused.
    await record.page.locator('section.result-window', { hasText: /UNAUTHENTICATED/ }).waitFor({
      timeout: UI_TIMEOUT_MS,
    });
    expect(foreignRequests(record)).toEqual([]);
    expect(record.cspViolations).toEqual([]);
    const refusedSchemaFetch = `Failed to load resource: the server responded with a status of 401 (Unauthorized) @ ${api.url}/graphql`;
    expect(record.consoleErrors.filter((error) => error !== refusedSchemaFetch)).toEqual([]);
    await record.page.close();
  });

  it('runs an images query with the token put in the header editor, and shows the data', async () => {
    const record = await openIdeWithToken();
    const { page } = record;
    const answered = page.waitForResponse(
      (response) =>
        response.request().method() === 'POST' && /images/.test(response.request().postData() ?? ''),
      { timeout: UI_TIMEOUT_MS },
    );
    await runInIde(page, IMAGES_QUERY);
    const response = await answered;
    expect(response.status()).toBe(200);
    expect(await response.request().headerValue('authorization')).toBe(`Bearer ${TEST_TOKENS.read}`);
    const body = (await response.json()) as {
      data: { images: { totalCount: number; nodes: { id: string }[] } };
    };
    expect(body.data.images.nodes.length).toBeGreaterThan(0);

    const result = page.locator('section.result-window', { hasText: /"totalCount"/ });
    await result.waitFor({ timeout: UI_TIMEOUT_MS });
    // The pane wraps long lines: compare without the white space.
    const shown = (await result.innerText()).replace(/\s/g, '');
    expect(shown).toContain(`"totalCount":${body.data.images.totalCount}`);
    for (const { id } of body.data.images.nodes) expect(shown).toContain(id);
    expect(shown).not.toContain('"errors"');
    expect(foreignRequests(record)).toEqual([]);
    expect(record.cspViolations).toEqual([]);
    await page.close();
  });

  it('streams imageEvents over graphql-ws, the connection authenticated with the header editor token', async () => {
    const record = await openIdeWithToken();
    const { page } = record;
    const framesSent: string[] = [];
    const subscribed = new Promise<void>((resolve) =>
      page.on('websocket', (socket) =>
        socket.on('framesent', ({ payload }) => {
          framesSent.push(String(payload));
          if (String(payload).includes('"subscribe"')) resolve();
        }),
      ),
    );
    await runInIde(page, 'subscription { imageEvents { action ref } }');
    await subscribed;
    expect(JSON.parse(framesSent[0]!)).toEqual({
      type: 'connection_init',
      payload: { authorization: `Bearer ${TEST_TOKENS.read}` },
    });

    // The server attaches the subscription a moment after the frame: tag again until one shows.
    const tagged: string[] = [];
    try {
      const result = page.locator('section.result-window', { hasText: /stevedore-ide-test\/events/ });
      for (let attempt = 0; attempt < 5 && !(await result.isVisible()); attempt++) {
        const ref = `stevedore-ide-test/events:${Date.now()}-${attempt}`;
        await runDocker(env, ['image', 'tag', env.fixtures.images.busybox.ref, ref]);
        tagged.push(ref);
        await result.waitFor({ timeout: 3_000 }).catch(() => undefined);
      }
      const text = await result.innerText();
      expect(text).toContain('"tag"');
      expect(tagged.some((ref) => text.includes(ref))).toBe(true);
    } finally {
      for (const ref of tagged) await runDocker(env, ['image', 'rm', ref]);
    }
    expect(foreignRequests(record)).toEqual([]);
    expect(record.cspViolations).toEqual([]);
    await page.close();
  });

  it('renders swagger-ui at /api/docs under helmet: operations listed, no CSP violation, nothing from outside', async () => {
    const record = await open('/api/docs');
    await record.page
      .locator('.opblock-summary-path', { hasText: '/api/v1/images' })
      .first()
      .waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await record.page.locator('.opblock').count()).toBeGreaterThan(5);
    expect(foreignRequests(record)).toEqual([]);
    expect(record.cspViolations).toEqual([]);
    expect(record.consoleErrors).toEqual([]);
    await record.page.close();
  });

  it.each([
    ['a REST answer', '/api/v1/images?first=1', {}],
    ['a refused REST answer', '/api/v1/images', { token: null }],
    ['a health answer', '/health/live', { token: null }],
    ['a GraphQL answer', '/graphql', { body: JSON.stringify({ query: '{ __typename }' }) }],
  ])('puts helmet headers on %s', async (_case, path, options: { token?: null; body?: string }) => {
    const response = await fetch(`${api.url}${path}`, {
      method: options.body ? 'POST' : 'GET',
      headers: {
        ...(options.token === null ? {} : { authorization: `Bearer ${TEST_TOKENS.read}` }),
        ...(options.body ? { 'content-type': 'application/json' } : {}),
      },
      body: options.body,
    });
    expect(response.status).toBe(options.token === null && path.startsWith('/api') ? 401 : 200);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(response.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(response.headers.get('x-powered-by')).toBeNull();
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('upgrade-insecure-requests');
  });
});
