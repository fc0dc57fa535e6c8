import type { Request } from 'express';
import { routeLabelOf, UNMATCHED_ROUTE } from './route-label.js';

const MOUNTS = ['/graphql', '/admin/queues'];

function request(originalUrl: string, route?: { path: unknown }, baseUrl = ''): Request {
  return { originalUrl, baseUrl, route } as unknown as Request;
}

describe('routeLabelOf', () => {
  it('names a request by the pattern of the route that served it, under its router’s mount path', () => {
    expect(
      routeLabelOf(request('/api/v1/images/nginx%3A1?x=1', { path: '/api/v1/images/:ref' }), MOUNTS),
    ).toBe('/api/v1/images/:ref');
    expect(
      routeLabelOf(request('/admin/queues/api/queues', { path: '/api/queues' }, '/admin/queues'), MOUNTS),
    ).toBe('/admin/queues/api/queues');
  });

  it('names a request served by a mounted sub-app without a route by the mount path', () => {
    expect(routeLabelOf(request('/graphql'), MOUNTS)).toBe('/graphql');
    expect(routeLabelOf(request('/graphql?query=x'), MOUNTS)).toBe('/graphql');
    expect(routeLabelOf(request('/admin/queues/static/js/main.js'), MOUNTS)).toBe('/admin/queues');
    // Only whole segments: /graphqlx is not under /graphql.
    expect(routeLabelOf(request('/graphqlx'), MOUNTS)).toBe(UNMATCHED_ROUTE);
  });

  it('never uses the URL of a request no route took, nor the wildcard route of a middleware', () => {
    expect(routeLabelOf(request('/api/v1/nothing-here'), MOUNTS)).toBe(UNMATCHED_ROUTE);
    expect(routeLabelOf(request('/api/v1/images/x', { path: '/{*path}' }, '/api/v1/images/x'), MOUNTS)).toBe(
      UNMATCHED_ROUTE,
    );
    expect(routeLabelOf(request('/graphql', { path: '/{*path}' }), MOUNTS)).toBe('/graphql');
    // Express 5 keeps the path of a route declared with several paths as an array.
    expect(routeLabelOf(request('/x', { path: ['/a', '/b'] }), MOUNTS)).toBe(UNMATCHED_ROUTE);
  });
});
