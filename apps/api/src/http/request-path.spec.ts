import { pathOfTarget } from './request-path.js';

describe('pathOfTarget', () => {
  it.each([
    ['/graphql?query=x', '/graphql'],
    ['http://stevedore.invalid/graphql', '/graphql'],
    ['https://h:8080/health/live?x', '/health/live'],
    ['http://host', '/'],
    ['//graphql', '//graphql'],
    ['/api/v1/images/a%2Fb', '/api/v1/images/a%2Fb'],
  ])('reads %s as %s', (target, path) => {
    expect(pathOfTarget(target)).toBe(path);
  });
});
