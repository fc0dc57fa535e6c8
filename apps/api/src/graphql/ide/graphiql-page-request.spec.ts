import {
  isAnonymousGraphiqlPageRequest,
  isGraphiqlPageRequest,
  type PageRequest,
} from './graphiql-page-request.js';

function pageRequest(method: string, url: string, accept: string | undefined): PageRequest {
  return { method, url, headers: accept === undefined ? {} : { accept } };
}

const BROWSER_NAVIGATION =
  'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8';

describe('isGraphiqlPageRequest', () => {
  it.each([
    ['GET', BROWSER_NAVIGATION, true],
    ['GET', 'text/html', true],
    ['GET', 'application/json, text/html', false],
    ['GET', 'application/json;q=0.5, text/html', true],
    ['GET', 'text/html;q=0.5, application/json', false],
    ['GET', 'text/*', true],
    ['GET', '*/*', false],
    ['GET', 'application/graphql-response+json, text/html;q=0.9', false],
    ['GET', 'multipart/mixed, text/html', false],
    ['GET', 'text/plain', false],
    ['GET', '', false],
    ['GET', undefined, false],
    ['POST', BROWSER_NAVIGATION, false],
    ['HEAD', BROWSER_NAVIGATION, false],
  ])('decides %s with Accept %j by content negotiation (page: %s)', (method, accept, page) => {
    expect(isGraphiqlPageRequest(pageRequest(method, '/graphql', accept))).toBe(page);
  });

  it('concerns /graphql only', () => {
    expect(isGraphiqlPageRequest(pageRequest('GET', '/graphql', 'text/html'))).toBe(true);
    expect(isGraphiqlPageRequest(pageRequest('GET', '/graphql/', 'text/html'))).toBe(false);
    expect(isGraphiqlPageRequest(pageRequest('GET', '/api/docs', 'text/html'))).toBe(false);
  });
});

describe('isAnonymousGraphiqlPageRequest', () => {
  it('lets the bare page through, and nothing with a query string', () => {
    expect(isAnonymousGraphiqlPageRequest(pageRequest('GET', '/graphql', BROWSER_NAVIGATION))).toBe(true);
    for (const search of ['?query={__typename}', '?extensions={}', '?x=1']) {
      expect(
        isAnonymousGraphiqlPageRequest(pageRequest('GET', `/graphql${search}`, BROWSER_NAVIGATION)),
      ).toBe(false);
    }
    expect(isAnonymousGraphiqlPageRequest(pageRequest('GET', '/graphql', 'application/json'))).toBe(false);
  });
});
