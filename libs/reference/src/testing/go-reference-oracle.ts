/*
 * Test-only: ParseNormalizedNamed of distribution/reference, transcribed as literally as possible, with the
 * regexp.go patterns kept verbatim, to check the scanner-based parser against. The patterns are fine for
 * the short inputs of the tests; they are not used in production because a backtracking engine gives no
 * time or stack guarantee on long hostile input (see ../grammar.ts).
 *
 * Go-to-JavaScript notes: `[[:xdigit:]]` is written `[0-9A-Fa-f]`; Go's `\w` and `$` (without the m flag)
 * mean the same in JavaScript without the u flag; Go's submatch choice is leftmost-first, like JavaScript's.
 */

const optional = (...res: string[]): string => `(?:${res.join('')})?`;
const anyTimes = (...res: string[]): string => `(?:${res.join('')})*`;
const capture = (...res: string[]): string => `(${res.join('')})`;
const anchored = (...res: string[]): string => `^${res.join('')}$`;

const alphanumeric = '[a-z0-9]+';
const separator = '(?:[._]|__|[-]+)';
const localhost = 'localhost';
const domainNameComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const optionalPort = '(?::[0-9]+)?';
const tag = '[\\w][\\w.-]{0,127}';
const digestPat = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9A-Fa-f]{32,}';
const identifier = '([a-f0-9]{64})';
const ipv6address = '\\[(?:[a-fA-F0-9:]+)\\]';
const domainName = domainNameComponent + anyTimes('\\.', domainNameComponent);
const host = `(?:${domainName}|${ipv6address})`;
const domainAndPort = host + optionalPort;
const pathComponent = alphanumeric + anyTimes(separator, alphanumeric);
const remoteName = pathComponent + anyTimes('/', pathComponent);
const namePat = optional(domainAndPort, '/') + remoteName;

export const goPatterns = {
  anchoredDomain: new RegExp(anchored(domainAndPort)),
  anchoredName: new RegExp(anchored(optional(capture(domainAndPort), '/'), capture(remoteName))),
  reference: new RegExp(
    anchored(capture(namePat), optional(':', capture(tag)), optional('@', capture(digestPat))),
  ),
  anchoredIdentifier: new RegExp(anchored(identifier)),
};

/** go-digest: registered algorithms, lowercase hex of the exact size. */
const goDigestEncoded: Record<string, RegExp> = {
  sha256: /^[a-f0-9]{64}$/,
  sha384: /^[a-f0-9]{96}$/,
  sha512: /^[a-f0-9]{128}$/,
};

export interface OracleReference {
  domain: string;
  path: string;
  tag?: string;
  digest?: string;
}

function splitDockerDomain(name: string): [string, string] {
  const slash = name.indexOf('/');
  if (slash < 0) return ['docker.io', `library/${name}`];
  const maybeDomain = name.slice(0, slash);
  const maybeRemoteName = name.slice(slash + 1);
  let domain: string;
  let remoteName: string;
  if (maybeDomain === localhost) {
    [domain, remoteName] = [maybeDomain, maybeRemoteName];
  } else if (maybeDomain === 'index.docker.io') {
    [domain, remoteName] = ['docker.io', maybeRemoteName];
  } else if (/[.:]/.test(maybeDomain)) {
    [domain, remoteName] = [maybeDomain, maybeRemoteName];
  } else if (maybeDomain.toLowerCase() !== maybeDomain) {
    [domain, remoteName] = [maybeDomain, maybeRemoteName];
  } else {
    [domain, remoteName] = ['docker.io', name];
  }
  if (domain === 'docker.io' && !remoteName.includes('/')) remoteName = `library/${remoteName}`;
  return [domain, remoteName];
}

/** Parse of reference.go (after PR #9 the 255 limit applies to the path). undefined where Go returns an error. */
function parse(s: string): OracleReference | undefined {
  if (s === '') return undefined;
  const matches = goPatterns.reference.exec(s);
  if (matches === null) return undefined;
  const nameMatch = goPatterns.anchoredName.exec(matches[1]);
  const ref: OracleReference =
    nameMatch === null
      ? { domain: '', path: matches[1] }
      : { domain: nameMatch[1] ?? '', path: nameMatch[2] };
  if (ref.path.length > 255) return undefined;
  if (matches[2] !== undefined) ref.tag = matches[2];
  if (matches[3] !== undefined) {
    const d = matches[3];
    const colon = d.indexOf(':');
    const encoded = goDigestEncoded[d.slice(0, colon)];
    if (!Object.hasOwn(goDigestEncoded, d.slice(0, colon)) || !encoded.test(d.slice(colon + 1)))
      return undefined;
    ref.digest = d;
  }
  return ref;
}

/** ParseNormalizedNamed of normalize.go. undefined where Go returns an error. */
export function goParseNormalizedNamed(s: string): OracleReference | undefined {
  if (goPatterns.anchoredIdentifier.test(s)) return undefined;
  const [domain, remainder] = splitDockerDomain(s);
  const tagSep = remainder.indexOf(':');
  const remote = tagSep > -1 ? remainder.slice(0, tagSep) : remainder;
  if (remote.toLowerCase() !== remote) return undefined;
  return parse(`${domain}/${remainder}`);
}
