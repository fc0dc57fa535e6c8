/**
 * The `rel="next"` target of a `Link` header (RFC 8288), as `/v2/_catalog` and `/v2/<name>/tags/list`
 * page with it: `</v2/_catalog?last=b&n=100>; rel="next"`. Undefined when there is no next page.
 */
export function nextLink(header: string | undefined): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(/,(?=\s*<)/)) {
    const match = /^\s*<([^>]*)>(.*)$/.exec(part);
    if (!match) continue;
    const rels = /;\s*rel\s*=\s*(?:"([^"]*)"|([^;\s]+))/i.exec(match[2]!);
    const rel = rels?.[1] ?? rels?.[2] ?? '';
    if (rel.split(/\s+/).some((value) => value.toLowerCase() === 'next')) return match[1];
  }
  return undefined;
}
