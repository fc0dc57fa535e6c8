import { nextLink } from './link-header.js';

describe('nextLink', () => {
  it("finds the next page of Distribution's catalog and tag lists", () => {
    expect(nextLink('</v2/_catalog?last=b&n=2>; rel="next"')).toBe('/v2/_catalog?last=b&n=2');
    expect(nextLink('</v2/a/tags/list?last=t1&n=100>; rel=next')).toBe('/v2/a/tags/list?last=t1&n=100');
  });

  it('picks rel=next among several links and relation types', () => {
    expect(nextLink('</first>; rel="first", </second>; rel="prev next"')).toBe('/second');
    expect(nextLink('<https://r.example/v2/_catalog?n=1&last=a,b>; REL="Next"')).toBe(
      'https://r.example/v2/_catalog?n=1&last=a,b',
    );
  });

  it('is undefined without a next page', () => {
    expect(nextLink(undefined)).toBeUndefined();
    expect(nextLink('')).toBeUndefined();
    expect(nextLink('</prev>; rel="prev"')).toBeUndefined();
    expect(nextLink('garbage')).toBeUndefined();
  });
});
