/**
 * A registry's `WWW-Authenticate` challenge (RFC 9110 §11.6.1), as Distribution, Docker Hub,
 * GHCR and Harbor send it on a 401: `Bearer realm="…",service="…",scope="…"`, or `Basic realm="…"`.
 */
export interface AuthChallenge {
  /** Lower case: `bearer`, `basic`, or another scheme the client does not speak. */
  readonly scheme: string;
  /** Parameter names in lower case; values unquoted. */
  readonly params: Readonly<Record<string, string>>;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+/;

/**
 * The challenges of one or more `WWW-Authenticate` values, in order. What cannot be read ends
 * the list rather than failing: a registry's 401 then answers REGISTRY_UNAUTHORIZED, not a
 * parse error.
 */
export function parseAuthChallenges(header: string | readonly string[] | undefined): AuthChallenge[] {
  const values = header === undefined ? [] : typeof header === 'string' ? [header] : header;
  return values.flatMap(parseOne);
}

function parseOne(value: string): AuthChallenge[] {
  const challenges: AuthChallenge[] = [];
  let rest = value.trim();
  while (rest.length > 0) {
    const scheme = TOKEN.exec(rest)?.[0];
    if (!scheme) break;
    rest = rest.slice(scheme.length).trimStart();
    const params: Record<string, string> = {};
    // auth-params until the next challenge (a token not followed by `=`) or the end.
    for (;;) {
      const name = TOKEN.exec(rest)?.[0];
      if (!name) break;
      const afterName = rest.slice(name.length).trimStart();
      if (!afterName.startsWith('=')) break;
      const read = readValue(afterName.slice(1).trimStart());
      if (!read) return [...challenges, { scheme: scheme.toLowerCase(), params }];
      params[name.toLowerCase()] = read.value;
      rest = read.rest.trimStart();
      if (!rest.startsWith(',')) break;
      rest = rest.slice(1).trimStart();
    }
    challenges.push({ scheme: scheme.toLowerCase(), params });
    if (rest.startsWith(',')) rest = rest.slice(1).trimStart();
  }
  return challenges;
}

function readValue(text: string): { value: string; rest: string } | undefined {
  if (!text.startsWith('"')) {
    const token = TOKEN.exec(text)?.[0];
    return token ? { value: token, rest: text.slice(token.length) } : undefined;
  }
  let value = '';
  for (let index = 1; index < text.length; index += 1) {
    const char = text[index]!;
    if (char === '\\' && index + 1 < text.length) {
      value += text[index + 1];
      index += 1;
    } else if (char === '"') {
      return { value, rest: text.slice(index + 1) };
    } else {
      value += char;
    }
  }
  return undefined;
}
