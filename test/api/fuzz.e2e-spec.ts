/**
 * Fuzzing the api's edges (issue 6): thousands of generated malformed (and some valid) image
 * references, GraphQL documents and REST inputs, sent to a real api over HTTP, must each get a
 * contract answer: never a 500 and never a hang, and when refused, the contract's shape
 * (GraphQL: errors[].extensions.code from ERROR_CODES; REST: application/problem+json whose
 * `code` is one, with the code's status). The api must still be healthy afterwards.
 *
 * Reproducible: every property runs with FUZZ_SEED (a fixed default); on a failure fast-check
 * prints the seed, the path and the shrunk counterexample (the failing request with its answer),
 * and FUZZ_SEED + FUZZ_PATH replay it.
 *
 * The environment is shared with every other e2e file of a run, so nothing here may change it:
 * reads use the read token; changes (write token) only use inputs refused before the daemon is
 * touched (malformed references, a pull with a platform that cannot be valid, a tag target the
 * grammar rejects) or references under a repository that cannot exist; pruning is always a dry
 * run. Such requests are marked `mustFail`: a 2xx answer to one is itself a failure.
 */
import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import pLimit from 'p-limit';
import { ERROR_CODES, ERROR_HTTP_STATUS, type ErrorCode } from '#libs/errors';
import { parseImageLookup, parseReference } from '#libs/reference';
import { readTestEnvironment } from '../environment/index.js';
import { startApi, TEST_TOKENS, type ApiUnderTest } from '../support/api-under-test.js';

const env = readTestEnvironment();

const SEED = Number(process.env.FUZZ_SEED ?? 20_261_130);
const REPLAY_PATH = process.env.FUZZ_PATH || undefined;
/** An answer slower than this is a hang. */
const REQUEST_TIMEOUT_MS = 10_000;
/** Requests in flight at once: the api shares this process and the machine's 2 cores. */
const CONCURRENCY = 6;
/** Requests per property run: a batch, so the api sees them concurrently; shrinking narrows it to one. */
const BATCH = 16;
/** A bound on one property, shrinking included; normal runs take a few seconds. */
const PROPERTY_TIME_LIMIT_MS = 90_000;

/** A repository no test creates: references under it never name an image, so changes to them fail. */
const ABSENT_REPOSITORY = 'stevedore-fuzz-absent';
/** A platform `docker pull --platform` can never accept: pulls are refused before a job exists. */
const IMPOSSIBLE_PLATFORM = 'not a platform';
/** Codes an answer may carry; INTERNAL is the 500 this test is looking for. */
const CONTRACT_CODES: ReadonlySet<string> = new Set(ERROR_CODES.filter((code) => code !== 'INTERNAL'));

// ---------------------------------------------------------------------------------------------
// Transport: raw node:http, so paths, bodies and headers go out exactly as generated.

type Credential = 'read' | 'write' | 'admin' | 'none' | 'malformed' | 'unknown';

interface FuzzRequest {
  readonly method: string;
  /** The request target as sent: already percent-encoded (or deliberately not). */
  readonly path: string;
  readonly credential: Credential;
  readonly contentType?: string;
  readonly accept?: string;
  readonly body?: string;
  /** A change that must be refused: a 2xx answer fails the test. */
  readonly mustFail?: boolean;
}

interface Answer {
  readonly status: number;
  readonly contentType: string;
  readonly text: string;
  readonly ms: number;
}

const AUTHORIZATION: Record<Credential, string | undefined> = {
  read: `Bearer ${TEST_TOKENS.read}`,
  write: `Bearer ${TEST_TOKENS.write}`,
  admin: `Bearer ${TEST_TOKENS.admin}`,
  none: undefined,
  malformed: `Token ${TEST_TOKENS.read}`,
  unknown: 'Bearer not-a-token-of-this-service-0000',
};

const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
const inFlight = pLimit(CONCURRENCY);
let requestsSent = 0;
/** `<status> <code>` of every answer, for the summary. */
const outcomeCounts: Record<string, number> = {};
/** The slowest answer so far, for the summary. */
let slowest = { ms: 0, request: '' };

function noteSlowest(ms: number, request: FuzzRequest): void {
  if (ms <= slowest.ms) return;
  slowest = {
    ms,
    request: `${request.method} ${request.path.slice(0, 100)} ${request.body?.slice(0, 100) ?? ''}`,
  };
}

function send(api: ApiUnderTest, request: FuzzRequest): Promise<Answer> {
  const { hostname, port } = new URL(api.url);
  const headers: Record<string, string> = {};
  const authorization = AUTHORIZATION[request.credential];
  if (authorization) headers.authorization = authorization;
  if (request.contentType !== undefined) headers['content-type'] = request.contentType;
  if (request.accept !== undefined) headers.accept = request.accept;
  requestsSent += 1;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      { host: hostname, port, method: request.method, path: request.path, headers, agent },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          clearTimeout(timer);
          const ms = Math.round(performance.now() - started);
          noteSlowest(ms, request);
          resolve({
            status: response.statusCode ?? 0,
            contentType: String(response.headers['content-type'] ?? ''),
            text: Buffer.concat(chunks).toString('utf8'),
            ms,
          });
        });
      },
    );
    const timer = setTimeout(
      () => outgoing.destroy(new Error(`no complete answer within ${REQUEST_TIMEOUT_MS} ms: a hang`)),
      REQUEST_TIMEOUT_MS,
    );
    outgoing.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    outgoing.end(request.body);
  });
}

// ---------------------------------------------------------------------------------------------
// The contract an answer must keep.

/**
 * Which error shape an answer must have. Apollo is mounted on the /graphql prefix, which Express
 * matches case-insensitively and with or without more path, so /GraphQL/ and /graphql/x reach
 * Apollo too; but errors raised before Apollo (authentication) take the GraphQL shape only on
 * the exact path (ProblemDetailsFilter), elsewhere problem+json: either is a contract shape there.
 */
function expectedShape(request: FuzzRequest, answer: Answer): 'graphql' | 'problem' {
  // The path Express routes: an absolute-form target (a proxy's) loses its scheme and authority.
  const path = request.path.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '').split(/[?#]/)[0]!;
  if (path === '/graphql') return 'graphql';
  if (/^\/graphql(?:\/|$)/i.test(path)) {
    return answer.contentType.startsWith('application/problem+json') ? 'problem' : 'graphql';
  }
  return 'problem';
}

function contractProblems(request: FuzzRequest, answer: Answer): string[] {
  const problems: string[] = [];
  const shape = expectedShape(request, answer);
  if (answer.status >= 500) problems.push(`status ${answer.status}`);
  if (request.mustFail && answer.status >= 200 && answer.status < 300 && shape === 'problem') {
    problems.push('a change that must be refused was accepted');
  }
  // HEAD answers have no body; successful REST answers are not this test's business.
  if (request.method === 'HEAD') return problems;
  if (shape === 'problem' && answer.status < 400) return problems;
  let body: unknown;
  try {
    body = JSON.parse(answer.text);
  } catch {
    return [...problems, 'the body is not JSON'];
  }
  if (typeof body !== 'object' || body === null) return [...problems, 'the body is not a JSON object'];
  return [
    ...problems,
    ...(shape === 'graphql'
      ? graphqlProblems(request, answer, body as Record<string, unknown>)
      : restProblems(answer, body as Record<string, unknown>)),
  ];
}

function graphqlProblems(request: FuzzRequest, answer: Answer, body: Record<string, unknown>): string[] {
  const { errors } = body;
  if (errors === undefined) {
    if (answer.status >= 400) return ['a GraphQL error answer without errors[]'];
    if (request.mustFail) return ['a change that must be refused was accepted'];
    return 'data' in body ? [] : ['a GraphQL answer with neither data nor errors'];
  }
  if (!Array.isArray(errors) || errors.length === 0) return ['errors is not a non-empty array'];
  return errors.flatMap((error: unknown) => {
    const code = (error as { extensions?: { code?: unknown } } | null)?.extensions?.code;
    return typeof code === 'string' && CONTRACT_CODES.has(code)
      ? []
      : [`errors[].extensions.code ${JSON.stringify(code)} is not a contract code`];
  });
}

function restProblems(answer: Answer, body: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (!answer.contentType.startsWith('application/problem+json')) {
    problems.push(`content-type ${JSON.stringify(answer.contentType)}, not application/problem+json`);
  }
  const { code, status } = body;
  if (typeof code !== 'string' || !CONTRACT_CODES.has(code)) {
    problems.push(`code ${JSON.stringify(code)} is not a contract code`);
  } else if (ERROR_HTTP_STATUS[code as ErrorCode] !== answer.status && !isFrameworkRefusal(code, answer)) {
    problems.push(
      `${code} answered with HTTP ${answer.status}; the contract says ${ERROR_HTTP_STATUS[code as ErrorCode]}`,
    );
  }
  if (status !== answer.status)
    problems.push(`the body's status ${JSON.stringify(status)} is not ${answer.status}`);
  return problems;
}

/**
 * The HTTP layer's own refusals (no such route or method, media type) keep their status with the
 * code BAD_USER_INPUT, by design of apps/api/src/errors/public-error.ts; the contract has no code
 * of its own for them. (A body over the size limit answers 400, as the contract says.)
 */
function isFrameworkRefusal(code: string, answer: Answer): boolean {
  return code === 'BAD_USER_INPUT' && [404, 405, 415].includes(answer.status);
}

/** Sends a batch (bounded concurrency) and throws on the first answer that breaks the contract. */
async function expectContractAnswers(api: ApiUnderTest, requests: readonly FuzzRequest[]): Promise<void> {
  const outcomes = await Promise.all(
    requests.map((request) =>
      inFlight(() =>
        send(api, request).then(
          (answer) => ({ request, answer, problems: contractProblems(request, answer) }),
          (error: Error) => ({ request, answer: undefined, problems: [`no answer: ${error.message}`] }),
        ),
      ),
    ),
  );
  for (const { answer } of outcomes) {
    if (!answer) continue;
    const key = `${answer.status} ${codeOf(answer)}`;
    outcomeCounts[key] = (outcomeCounts[key] ?? 0) + 1;
  }
  const broken = outcomes.find((outcome) => outcome.problems.length > 0);
  if (broken) throw new Error(describeFailure(broken.request, broken.answer, broken.problems));
}

/** The first error code of an answer, if it has one. */
function codeOf(answer: Answer): string {
  try {
    const body = JSON.parse(answer.text) as {
      code?: unknown;
      errors?: { extensions?: { code?: unknown } }[];
    };
    return String(body.code ?? body.errors?.[0]?.extensions?.code ?? '-');
  } catch {
    return '-';
  }
}

function describeFailure(request: FuzzRequest, answer: Answer | undefined, problems: string[]): string {
  const lines = [
    `${problems.join('; ')}`,
    `request: ${request.method} ${request.path.slice(0, 600)} (token: ${request.credential}` +
      `${request.contentType === undefined ? '' : `, content-type: ${request.contentType}`}` +
      `${request.accept === undefined ? '' : `, accept: ${request.accept}`})`,
  ];
  if (request.body !== undefined) lines.push(`body: ${request.body.slice(0, 600)}`);
  if (answer) {
    lines.push(
      `answer: ${answer.status} ${answer.contentType} after ${answer.ms} ms`,
      answer.text.slice(0, 800),
    );
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// References: grammar pieces, mutations of valid ones, arbitrary text, huge inputs.

const REFERENCE_PIECES = [
  ...['a', 'z', '0', '9', 'A', 'Z', '.', '_', '__', '-', '--', '/', '/', ':', ':', '@', '[', ']', '::1'],
  ...['localhost', 'docker.io', 'index.docker.io', 'library', '127.0.0.1:1', '5000', 'latest'],
  ...['sha256:', 'sha512:', 'md5:', 'f'.repeat(12), 'f'.repeat(64), 'F'.repeat(64), 'b'.repeat(129)],
  ...[' ', '%', '%2F', '%00', '%zz', '..', '*', '?', '#', '&', '=', '+', '\\', '"', "'", '{', '}'],
  ...['é', 'İ', 'K', '😀', '\n', '\t', '\u0000', '\u202e', '\ud800', '\udfff', '\ufeff'],
];
const referencePiece = fc.constantFrom(...REFERENCE_PIECES);
const component = fc.stringMatching(/^[a-z0-9]{1,6}(?:(?:[._]|__|-{1,2})[a-z0-9]{1,6}){0,2}$/);
const validReference = fc
  .record({
    domain: fc.option(
      fc.constantFrom('127.0.0.1:1', 'localhost:1', 'registry.invalid', 'Registry.Invalid:5000'),
      {
        nil: undefined,
      },
    ),
    path: fc.array(component, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('/')),
    tag: fc.option(fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}$/), { nil: undefined }),
    digest: fc.option(
      fc.stringMatching(/^[a-f0-9]{64}$/).map((hex) => `sha256:${hex}`),
      { nil: undefined, freq: 4 },
    ),
  })
  .map(
    ({ domain, path, tag, digest }) =>
      `${domain ? `${domain}/` : ''}${path}${tag ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`,
  );
const mutatedReference = fc
  .tuple(
    validReference,
    fc.array(fc.tuple(fc.nat(), fc.nat(2), referencePiece), { minLength: 1, maxLength: 3 }),
  )
  .map(([reference, edits]) =>
    edits.reduce((text, [at, kind, piece]) => {
      const i = at % (text.length + 1);
      if (kind === 0) return text.slice(0, i) + piece + text.slice(i);
      if (kind === 1) return text.slice(0, i) + text.slice(i + 1);
      return text.slice(0, i) + piece + text.slice(i + 1);
    }, reference),
  );
/**
 * Up to 2,000 UTF-8 bytes: even percent-encoded twice (5 characters a byte) the request line stays
 * under Node's 16 KiB limit on a request's head, past which Node itself answers 431 with no body
 * before the api sees the request.
 */
const hugeReference = fc
  .tuple(
    fc.constantFrom('a', 'a-', 'a_', 'a.', 'a/', '0', 'f', ':', '@', 'é', '😀'),
    fc.integer({ min: 200, max: 2_000 }),
  )
  .map(([unit, bytes]) => unit.repeat(Math.floor(bytes / Buffer.byteLength(unit))));
const idLike = fc
  .tuple(fc.boolean(), fc.stringMatching(/^[a-f0-9]{1,70}$/))
  .map(([prefixed, hex]) => (prefixed ? `sha256:${hex}` : hex));

const anyReference = fc.oneof(
  { arbitrary: validReference, weight: 2 },
  { arbitrary: mutatedReference, weight: 4 },
  { arbitrary: fc.array(referencePiece, { maxLength: 12 }).map((pieces) => pieces.join('')), weight: 3 },
  { arbitrary: fc.string({ maxLength: 40 }), weight: 2 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 30 }), weight: 2 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 15 }), weight: 1 },
  { arbitrary: idLike, weight: 1 },
  { arbitrary: hugeReference, weight: 1 },
);

const isMalformed = (reference: string) => {
  try {
    parseImageLookup(reference);
    return false;
  } catch {
    return true;
  }
};
const isBadTagTarget = (reference: string) => {
  try {
    return parseReference(reference).digest !== undefined;
  } catch {
    return true;
  }
};
/** References a change may be sent: malformed ones, or ones under the absent repository. */
const harmlessReference = fc.oneof(
  anyReference.filter(isMalformed),
  anyReference.map((reference) => `${ABSENT_REPOSITORY}/${reference}`),
);
/** Not an id or id prefix: such a reference may name a fixture, whose export streams a whole tar. */
const nonIdReference = anyReference.filter((reference) => !/^(?:sha256:)?[a-f0-9]*$/i.test(reference));

// ---------------------------------------------------------------------------------------------
// Path segments: how a value is put into a URL.

/** %XX for every UTF-8 byte of the characters `keep` refuses (lone surrogates go out as U+FFFD). */
function percentEncode(text: string, keep: (char: string) => boolean = isUnreserved): string {
  let out = '';
  for (const char of text) {
    if (keep(char)) out += char;
    else
      for (const byte of Buffer.from(char, 'utf8'))
        out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

const isUnreserved = (char: string) => /^[A-Za-z0-9\-._~]$/.test(char);
/** Printable ASCII but the characters that end a path or start an escape. */
const isRawPathCharacter = (char: string) => /^[!-~]$/.test(char) && !'?#%'.includes(char);

const BROKEN_ESCAPES = [
  '%',
  '%z',
  '%zz',
  '%2',
  '%%',
  '%00',
  '%E0%A4',
  '%C0%AF',
  '%FF',
  '%ED%A0%80',
  '%2e%2e',
  '%2F',
];
/**
 * Ways to put `value` in a path segment. `rawSlashes` adds the two that leave "/" unescaped, so
 * that the value spans several segments; a change never gets those: with a trailing "/" Express
 * still routes `/images/<hex>/` to `/images/:ref`, and a bare hex string is an id prefix that may
 * name a fixture.
 */
const segment = (value: string, rawSlashes: boolean) =>
  fc.oneof(
    { arbitrary: fc.constant(percentEncode(value)), weight: 6 },
    { arbitrary: fc.constant(percentEncode(percentEncode(value))), weight: 1 },
    {
      // Escapes that do not decode, or decode to bytes that are no UTF-8; never to a hex string.
      arbitrary: fc.tuple(fc.nat(), fc.constantFrom(...BROKEN_ESCAPES)).map(([at, escape]) => {
        const encoded = percentEncode(value);
        const i = at % (encoded.length + 1);
        return encoded.slice(0, i) + escape + encoded.slice(i);
      }),
      weight: 2,
    },
    ...(rawSlashes
      ? [
          {
            arbitrary: fc.constant(percentEncode(value, (char) => isUnreserved(char) || char === '/')),
            weight: 1,
          },
          // Characters a URL usually escapes, left raw where HTTP/1.1 still parses the request line.
          { arbitrary: fc.constant(percentEncode(value, isRawPathCharacter)), weight: 1 },
        ]
      : []),
  );
const inPath = (values: fc.Arbitrary<string>, rawSlashes = true) =>
  values.chain((value) => segment(value, rawSlashes));

// ---------------------------------------------------------------------------------------------
// Requests built from references.

const json = 'application/json';
const get = (path: string, credential: Credential = 'read'): FuzzRequest => ({
  method: 'GET',
  path,
  credential,
});
const change = (method: string, path: string, body?: unknown): FuzzRequest => ({
  method,
  path,
  credential: 'write',
  mustFail: true,
  ...(body === undefined ? {} : { contentType: json, body: JSON.stringify(body) }),
});

const refInPath = inPath(anyReference);
const readsByReference: fc.Arbitrary<FuzzRequest> = fc.oneof(
  refInPath.map((ref) => get(`/api/v1/images/${ref}`)),
  refInPath.map((ref) => get(`/api/v1/images/${ref}/history`)),
  refInPath.map((ref) => get(`/api/v1/images/${ref}/layers`)),
  inPath(nonIdReference).map((ref) => get(`/api/v1/images/${ref}/export`)),
  refInPath.map((ref) => get(`/api/v1/images/${ABSENT_REPOSITORY}%2Fx/export?ref=${ref}`)),
  refInPath.map((ref) => get(`/api/v1/layers/${ref}`)),
  refInPath.map((ref) => get(`/api/v1/jobs/${ref}`)),
  refInPath.map((ref) => get(`/api/v1/jobs/${ref}/events`)),
  refInPath.map((ref) => get(`/api/v1/jobs?ref=${ref}`)),
  refInPath.map((ref) => get(`/api/v1/images?reference=${ref}`)),
);

const harmlessInPath = inPath(harmlessReference, false);
const removeQuery = fc
  .array(
    fc.tuple(
      fc.constantFrom('force', 'removeContainers', 'prune', 'x'),
      fc.constantFrom('true', 'false', '1', '', 'yes'),
    ),
    {
      maxLength: 3,
    },
  )
  .map((pairs) => (pairs.length === 0 ? '' : `?${pairs.map(([key, value]) => `${key}=${value}`).join('&')}`));
const fixtureRef = () => percentEncode(env.fixtures.images.busybox.ref);
const changesByReference: fc.Arbitrary<FuzzRequest> = fc.oneof(
  fc
    .tuple(harmlessInPath, removeQuery)
    .map(([ref, query]) => change('DELETE', `/api/v1/images/${ref}${query}`)),
  harmlessInPath.map((ref) => change('DELETE', `/api/v1/tags/${ref}`)),
  fc
    .tuple(harmlessInPath, anyReference)
    .map(([ref, target]) => change('POST', `/api/v1/images/${ref}/tags`, { target })),
  fc
    .tuple(harmlessInPath, anyReference)
    .map(([ref, target]) => change('POST', `/api/v1/images/${ref}/rename`, { target })),
  anyReference
    .filter(isBadTagTarget)
    .map((target) => change('POST', `/api/v1/images/${fixtureRef()}/tags`, { target })),
  anyReference
    .filter(isBadTagTarget)
    .map((target) => change('POST', `/api/v1/images/${fixtureRef()}/rename`, { target })),
  anyReference.map((ref) => change('POST', '/api/v1/images/pull', { ref, platform: IMPOSSIBLE_PLATFORM })),
  fc
    .tuple(harmlessReference, fc.boolean())
    .map(([ref, allTags]) => change('POST', '/api/v1/images/push', { ref, allTags })),
  refInPath.map((id) => change('DELETE', `/api/v1/jobs/${id}`)),
);

// ---------------------------------------------------------------------------------------------
// GraphQL.

const graphql = (
  query: unknown,
  variables?: unknown,
  credential: Credential = 'read',
  mustFail = false,
): FuzzRequest => ({
  method: 'POST',
  path: '/graphql',
  credential,
  contentType: json,
  body: JSON.stringify(variables === undefined ? { query } : { query, variables }),
  mustFail,
});

const REFERENCE_QUERIES = [
  'query($v: String!) { image(ref: $v) { id repoTags tags { reference } } }',
  'query($v: String!) { tags(repository: $v) { familiar } }',
  'query($v: ID!) { layer(chainId: $v) { chainId size } }',
  'query($v: ID!) { job(id: $v) { id state } }',
  'query($v: String) { jobs(filter: { ref: $v }) { totalCount } }',
  'query($v: String) { images(filter: { reference: $v }) { totalCount } }',
  'query($v: [String!]) { images(filter: { labels: $v }) { totalCount } }',
];
/** A GraphQL string literal for any JS string (JSON's escapes are GraphQL's). */
const literal = (value: string) => JSON.stringify(value);
const graphqlReads: fc.Arbitrary<FuzzRequest> = fc.oneof(
  fc
    .tuple(fc.constantFrom(...REFERENCE_QUERIES), anyReference)
    .map(([query, value]) => graphql(query, { v: query.includes('[String!]') ? [value] : value })),
  anyReference.map((ref) => graphql(`{ image(ref: ${literal(ref)}) { id } }`)),
  anyReference.map((ref) => graphql(`{ tags(repository: ${literal(ref)}) { reference } }`)),
  anyReference.map((ref) =>
    graphql(`{ images(first: 3, filter: { reference: ${literal(ref)} }) { totalCount } }`),
  ),
  // Spliced in without escaping: whatever the reference holds becomes part of the document.
  anyReference.map((ref) => graphql(`{ image(ref: "${ref}") { id } }`)),
);

const refusedChange = (query: string, variables: Record<string, unknown>) =>
  graphql(query, variables, 'write', true);
const graphqlChanges: fc.Arbitrary<FuzzRequest> = fc.oneof(
  harmlessReference.map((ref) =>
    refusedChange('mutation($r: String!) { untagImage(ref: $r) { untagged } }', { r: ref }),
  ),
  fc.tuple(harmlessReference, fc.boolean()).map(([ref, force]) =>
    refusedChange('mutation($r: String!, $f: Boolean) { removeImage(ref: $r, force: $f) { deleted } }', {
      r: ref,
      f: force,
    }),
  ),
  fc.tuple(harmlessReference, anyReference).map(([source, target]) =>
    refusedChange('mutation($s: String!, $t: String!) { tagImage(source: $s, target: $t) { reference } }', {
      s: source,
      t: target,
    }),
  ),
  anyReference.filter(isBadTagTarget).map((target) =>
    refusedChange('mutation($s: String!, $t: String!) { tagImage(source: $s, target: $t) { reference } }', {
      s: env.fixtures.images.busybox.ref,
      t: target,
    }),
  ),
  anyReference.map((ref) =>
    refusedChange('mutation($i: PullImageInput!) { pullImage(input: $i) { id } }', {
      i: { ref, platform: IMPOSSIBLE_PLATFORM },
    }),
  ),
  fc
    .tuple(harmlessReference, fc.boolean())
    .map(([ref, allTags]) =>
      refusedChange('mutation($i: PushImageInput!) { pushImage(input: $i) { id } }', { i: { ref, allTags } }),
    ),
  anyReference.map((id) => refusedChange('mutation($i: ID!) { cancelJob(id: $i) { id } }', { i: id })),
);

/** Valid operations, one line each (a `#` inserted by a mutation comments out the rest). */
const DOCUMENTS = [
  '{ images(first: 2) { totalCount nodes { id repoTags size created tags { reference familiar } } pageInfo { endCursor hasNextPage } } }',
  'query Q($ref: String!) { image(ref: $ref) { id config { cmd env } history { createdBy } } }',
  '{ diskUsage { imagesCount totalSize } layers(first: 3) { nodes { chainId size sharedBy images { id } } } }',
  '{ jobs(first: 2, filter: { state: FAILED, kind: PULL }) { totalCount nodes { id state error { code message } } } }',
  '{ tags { familiar image { shortId } } }',
  'query { images(first: 1, orderBy: { field: SIZE, direction: DESC }, filter: { dangling: false, labels: ["a=b"] }) { nodes { id } } }',
  'fragment F on Image { id shortId } query { images(first: 1) { nodes { ...F } } }',
  'query A { __typename } query B { images { totalCount } }',
  '{ __schema { queryType { name } } __type(name: "Image") { fields { name } } }',
  '{ images(first: 1) @include(if: true) { nodes { id @skip(if: false) } } }',
  'mutation { tagImage(source: "stevedore-fuzz-absent/x:1", target: "stevedore-fuzz-absent/y:1") { reference } }',
  'subscription { imageEvents { action imageId } }',
];
const GRAPHQL_PIECES = [
  ...['{', '}', '(', ')', '[', ']', ':', '$', '!', '@', '...', '"', '"""', '\\', '#', ',', '=', '|', '&'],
  ...['\u0000', '\ufeff', '\u2028', '1e999', '-0', '0x1', '9007199254740993', 'null', 'true', '__typename'],
  ...['on', 'query', 'mutation', 'subscription', 'fragment', 'images', 'nodes', 'id', '\n', ' ', '$ref'],
];
const graphqlPiece = fc.constantFrom(...GRAPHQL_PIECES);
const mutatedDocument = fc
  .tuple(
    fc.constantFrom(...DOCUMENTS),
    fc.array(fc.tuple(fc.nat(), fc.nat(3), graphqlPiece), { minLength: 1, maxLength: 4 }),
  )
  .map(([document, edits]) =>
    edits.reduce((text, [at, kind, piece]) => {
      const i = at % (text.length + 1);
      if (kind === 0) return text.slice(0, i); // truncated
      if (kind === 1) return text.slice(0, i) + piece + text.slice(i); // inserted
      if (kind === 2) return text.slice(0, i) + text.slice(i + 1); // deleted
      return text + text.slice(i); // a tail repeated
    }, document),
  );
/** Mostly moderate sizes (past the depth and cost limits already), sometimes huge (past V8's stack). */
const size = (huge: number) =>
  fc.oneof(
    { arbitrary: fc.integer({ min: 1, max: 200 }), weight: 5 },
    { arbitrary: fc.integer({ min: 201, max: huge }), weight: 1 },
  );
const depth = size(3_000);
const width = size(3_000);
const name = fc.stringMatching(/^[_A-Za-z][_0-9A-Za-z]{0,15}$/);
const documents: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: mutatedDocument, weight: 6 },
  { arbitrary: fc.string({ maxLength: 200 }), weight: 1 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 100 }), weight: 1 },
  { arbitrary: fc.array(graphqlPiece, { maxLength: 60 }).map((pieces) => pieces.join(' ')), weight: 2 },
  // deep: nested selections, nested braces, nested list and object values
  {
    arbitrary: depth.map(
      (n) => `{ images { nodes { ${'layers { images { '.repeat(n)}id${' } }'.repeat(n)} } } }`,
    ),
    weight: 1,
  },
  { arbitrary: depth.map((n) => `${'{'.repeat(n)}${'}'.repeat(n)}`), weight: 1 },
  {
    arbitrary: depth.map(
      (n) => `{ images(filter: { labels: ${'['.repeat(n)}"a"${']'.repeat(n)} }) { totalCount } }`,
    ),
    weight: 1,
  },
  {
    arbitrary: depth.map(
      (n) => `{ images(filter: ${'{ reference: '.repeat(n)}"a"${' }'.repeat(n)}) { totalCount } }`,
    ),
    weight: 1,
  },
  // wide: aliases, repeated fields, fragments spread many times, many operations
  {
    arbitrary: width.map((n) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: __typename`).join(' ')} }`),
    weight: 1,
  },
  {
    arbitrary: width.map(
      (n) =>
        `{ ${Array.from({ length: Math.ceil(n / 10) }, (_, i) => `a${i}: images(first: 50) { totalCount }`).join(' ')} }`,
    ),
    weight: 1,
  },
  { arbitrary: width.map((n) => `{ images(first: 1) { nodes { ${'id '.repeat(n)}} } }`), weight: 1 },
  { arbitrary: width.map((n) => `fragment F on Query { __typename } { ${'...F '.repeat(n)}}`), weight: 1 },
  { arbitrary: width.map((n) => `{ __typename ${'@include(if: true) '.repeat(n)}}`), weight: 1 },
  {
    arbitrary: fc
      .integer({ min: 2, max: 300 })
      .map((n) => Array.from({ length: n }, (_, i) => `query Q${i} { __typename }`).join(' ')),
    weight: 1,
  },
  // names the schema does not have
  { arbitrary: name.map((field) => `{ ${field} }`), weight: 1 },
  { arbitrary: name.map((field) => `{ images { nodes { ${field} } } }`), weight: 1 },
  {
    arbitrary: fc
      .tuple(name, name)
      .map(([argument, type]) => `query($x: ${type}) { images(${argument}: $x) { totalCount } }`),
    weight: 1,
  },
);
const graphqlDocuments = documents.map((query) => graphql(query, { ref: 'a' }));

/** Operations with typed variables, sent values of any JSON shape. */
const TYPED_OPERATIONS = [
  'query($f: Int, $a: String, $o: ImageOrder, $x: ImageFilter) { images(first: $f, after: $a, orderBy: $o, filter: $x) { totalCount } }',
  'query($f: Int, $a: String) { layers(first: $f, after: $a) { totalCount } }',
  'query($f: Int, $a: String, $x: JobFilter) { jobs(first: $f, after: $a, filter: $x) { totalCount } }',
  'query($r: String!) { image(ref: $r) { id } }',
  'query($i: ID!) { job(id: $i) { id } }',
  // Refused for the read token even when the values are right: nothing can be queued.
  'mutation($i: PullImageInput!) { pullImage(input: $i) { id } }',
  'mutation($a: Boolean, $d: Boolean, $l: [String!], $u: DateTime) { pruneImages(all: $a, dryRun: $d, labels: $l, until: $u) { deleted } }',
];
const jsonValue = fc.jsonValue({ maxDepth: 3 });
const edgeNumber = fc.constantFrom(-1, 0, 1, 1.5, 2 ** 31, 2 ** 53, -(2 ** 31) - 1, 1e308, -0);
const variableValue = fc.oneof(jsonValue, edgeNumber, fc.string({ maxLength: 20 }), fc.constant(null));
const variables = fc.dictionary(
  fc.constantFrom('f', 'a', 'o', 'x', 'r', 'i', 'd', 'l', 'u', 'zz'),
  variableValue,
  {
    maxKeys: 5,
  },
);
const wrongVariables = fc.oneof(
  fc.tuple(fc.constantFrom(...TYPED_OPERATIONS), variables).map(([query, values]) => graphql(query, values)),
  fc.tuple(fc.constantFrom(...TYPED_OPERATIONS), jsonValue).map(([query, values]) => graphql(query, values)),
);

// The HTTP layer of /graphql: bodies, media types, methods, Accept, credentials.
const CONTENT_TYPES = [
  undefined,
  'text/plain',
  'text/plain; charset=utf-8',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/graphql',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'application/graphql-response+json',
  'application/xml',
  '*/*',
  'application/json, text/plain',
  'garbage',
];
const ACCEPTS = [
  'application/graphql-response+json',
  'application/json;q=0',
  'text/event-stream',
  'multipart/mixed',
  'multipart/mixed; deferSpec=20220824',
  'text/html',
  'image/png',
  '*/*;q=oops',
];
const METHODS = ['GET', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'];
const CREDENTIALS: Credential[] = ['none', 'malformed', 'unknown', 'read', 'write'];
const validBody = fc.constantFrom(...DOCUMENTS.slice(0, 9)).map((query) => JSON.stringify({ query }));
const queryString = fc
  .array(
    fc.tuple(
      fc.constantFrom('query', 'variables', 'operationName', 'extensions', 'x'),
      fc.oneof(fc.constantFrom(...DOCUMENTS), fc.string({ maxLength: 30 })),
    ),
    {
      maxLength: 4,
    },
  )
  .map((pairs) => pairs.map(([key, value]) => `${key}=${percentEncode(value)}`).join('&'));
/** A raw POST /graphql: the body as given, JSON declared unless told otherwise. */
const postGraphql = (body: string, options: Partial<FuzzRequest> = {}): FuzzRequest => ({
  method: 'POST',
  path: '/graphql',
  credential: 'read',
  contentType: json,
  body,
  ...options,
});
const PECULIAR_BODIES = [
  '{"query":"{ __typename }","extensions":{"persistedQuery":{"version":1,"sha256Hash":"00"}}}',
  '{"query":"{ __typename }","extensions":{"persistedQuery":{"version":2,"sha256Hash":"00"}}}',
  '{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"ecf4edb46db40b5132295c0291d62fb65d6759a9eedfa4d5d612dd5ec54a6b38"}}}',
  '{"query":"{ __typename }","operationName":"Missing"}',
  '{"query":"query A { __typename } query B { __typename }"}',
  '{"query":"{ __typename }","variables":{"__proto__":{"polluted":true}}}',
  '{"__proto__":{"query":"{ __typename }"}}',
];
const graphqlHttp: fc.Arbitrary<FuzzRequest> = fc.oneof(
  // JSON cut short, or ending in a stray character
  fc
    .tuple(validBody, fc.nat(), fc.constantFrom('', '"', '}', '\u0000', '\\', ','))
    .map(([body, at, piece]) => postGraphql(body.slice(0, at % body.length) + piece)),
  // any JSON value as the body, or as each member
  jsonValue.map((value) => postGraphql(JSON.stringify(value))),
  fc
    .record(
      {
        query: fc.oneof(fc.constantFrom(...DOCUMENTS), jsonValue),
        variables: jsonValue,
        operationName: jsonValue,
        extensions: jsonValue,
      },
      { requiredKeys: [] },
    )
    .map((body) => postGraphql(JSON.stringify(body))),
  fc.array(validBody, { maxLength: 3 }).map((bodies) => postGraphql(`[${bodies.join(',')}]`)),
  fc.constantFrom(...PECULIAR_BODIES).map((body) => postGraphql(body)),
  // media types
  fc
    .tuple(fc.constantFrom(...CONTENT_TYPES), validBody)
    .map(([contentType, body]) =>
      postGraphql(
        contentType === 'application/x-www-form-urlencoded'
          ? `query=${percentEncode((JSON.parse(body) as { query: string }).query)}`
          : body,
        { contentType },
      ),
    ),
  // methods, GET with query strings
  fc.tuple(fc.constantFrom(...METHODS), queryString).map(([method, query]): FuzzRequest => ({
    method,
    path: query === '' ? '/graphql' : `/graphql?${query}`,
    credential: 'read',
  })),
  fc.tuple(fc.constantFrom(...ACCEPTS), validBody).map(([accept, body]) => postGraphql(body, { accept })),
  fc
    .tuple(fc.constantFrom(...CREDENTIALS), validBody)
    .map(([credential, body]) => postGraphql(body, { credential })),
);

// ---------------------------------------------------------------------------------------------
// REST inputs: query strings, bodies, media types, paths.

const QUERY_VALUES = fc.oneof(
  fc.constantFrom(
    '0',
    '1',
    '50',
    '500',
    '501',
    '-1',
    '1.5',
    '1e3',
    '0x10',
    'NaN',
    'Infinity',
    '',
    ' ',
    '%00',
  ),
  fc.constantFrom('true', 'false', 'TRUE', '1', 'null', 'undefined', '[]', '{}', '__proto__'),
  fc.constantFrom('CREATED', 'SIZE', 'REFERENCE', 'created', 'ASC', 'DESC', 'desc', 'PULL', 'FAILED', 'LOAD'),
  fc.base64String({ maxLength: 40 }),
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 10 }),
);
const queryPairs = (keys: string[]) =>
  fc
    .array(fc.tuple(fc.constantFrom(...keys, 'x', 'first[]', 'first[a]', '__proto__'), QUERY_VALUES), {
      maxLength: 6,
    })
    .map((pairs) =>
      pairs
        .map(
          ([key, value]) =>
            `${percentEncode(key, (char) => isUnreserved(char) || '[]'.includes(char))}=${percentEncode(value)}`,
        )
        .join('&'),
    );
const LIST_ROUTES: [string, string[], Credential][] = [
  [
    '/api/v1/images',
    ['first', 'after', 'orderBy', 'direction', 'reference', 'dangling', 'label', 'official', 'all'],
    'read',
  ],
  ['/api/v1/layers', ['first', 'after'], 'read'],
  ['/api/v1/jobs', ['first', 'after', 'state', 'kind', 'ref'], 'read'],
  ['/api/v1/audit', ['first', 'after', 'operation'], 'admin'],
  ['/api/v1/disk-usage', ['first'], 'read'],
];
const listQueries: fc.Arbitrary<FuzzRequest> = fc
  .constantFrom(...LIST_ROUTES)
  .chain(([path, keys, credential]) => queryPairs(keys).map((query) => get(`${path}?${query}`, credential)));

const jsonObject = fc.dictionary(fc.string({ maxLength: 12 }), jsonValue, { maxKeys: 6 });
const notAString = fc.oneof(
  fc.constant(undefined),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string()),
  jsonObject,
);
const restBodies: fc.Arbitrary<FuzzRequest> = fc.oneof(
  // pull: any members, but a ref that is no string or no reference, or a platform that is none
  fc
    .tuple(jsonObject, notAString)
    .map(([body, ref]) => change('POST', '/api/v1/images/pull', { ...body, ref })),
  fc
    .tuple(jsonObject, anyReference.filter(isMalformed))
    .map(([body, ref]) => change('POST', '/api/v1/images/pull', { ...body, ref })),
  fc
    .tuple(jsonObject, anyReference)
    .map(([body, ref]) =>
      change('POST', '/api/v1/images/pull', { ...body, ref, platform: IMPOSSIBLE_PLATFORM }),
    ),
  fc
    .tuple(jsonObject, fc.oneof(notAString, harmlessReference))
    .map(([body, ref]) => change('POST', '/api/v1/images/push', { ...body, ref })),
  fc
    .tuple(harmlessInPath, jsonObject)
    .map(([ref, body]) => change('POST', `/api/v1/images/${ref}/tags`, body)),
  fc
    .tuple(harmlessInPath, jsonObject)
    .map(([ref, body]) => change('POST', `/api/v1/images/${ref}/rename`, body)),
  // prune: anything, but always a dry run
  jsonObject.map((body) => ({
    ...change('POST', '/api/v1/images/prune', { ...body, dryRun: true }),
    mustFail: false,
  })),
);
/**
 * Bodies that are no JSON object, not JSON, or not declared as JSON. A body the parser does not
 * read may reach the handler as nothing at all, i.e. with every default (a real prune, an import
 * job, a pull of whatever a prototype smuggles in): those routes get the read token only; the
 * write token goes to push and to tagging the absent repository, which cannot succeed.
 */
const WRITABLE_BAD_BODY_PATHS = ['/api/v1/images/push', `/api/v1/images/${ABSENT_REPOSITORY}%2Fx/tags`];
const badBodies: fc.Arbitrary<FuzzRequest> = fc
  .tuple(
    fc.constantFrom(
      '/api/v1/images/pull',
      '/api/v1/images/prune',
      '/api/v1/images/import',
      ...WRITABLE_BAD_BODY_PATHS,
    ),
    fc.constantFrom<Credential>('read', 'write'),
    fc.constantFrom(...CONTENT_TYPES, json, json),
    fc.oneof(
      fc.string({ maxLength: 60 }),
      jsonValue.map((value) => JSON.stringify(value)),
      validBody.chain((body) => fc.nat(body.length).map((cut) => body.slice(0, cut))),
      fc.constantFrom(
        '',
        '[]',
        '[{}]',
        'null',
        '0',
        '"x"',
        '{',
        '{"ref":',
        '\u0000',
        '{"__proto__":{"ref":"a"}}',
      ),
    ),
  )
  .map(([path, credential, contentType, body]) => ({
    method: 'POST',
    path,
    credential: WRITABLE_BAD_BODY_PATHS.includes(path) ? credential : 'read',
    contentType,
    body,
    mustFail: true,
  }));

/** Segments sent exactly as written: dot segments, escapes, and what ends a path. */
const RAW_SEGMENTS = [
  '',
  '.',
  '..',
  '%2e%2e',
  '%2F',
  '%5C',
  '%00',
  '%',
  '%zz',
  '%C0%AF',
  '~',
  ';',
  ';a=b',
  '*',
  '?',
  '??',
  '#',
];
const ROUTE_WORDS = [
  'images',
  'layers',
  'jobs',
  'tags',
  'audit',
  'disk-usage',
  'prune',
  'pull',
  'import',
  'events',
  'export',
];
const oddSegment = fc.oneof(
  fc.constantFrom(...ROUTE_WORDS),
  fc.constantFrom(...RAW_SEGMENTS),
  inPath(fc.string({ maxLength: 12 })),
  inPath(fc.string({ unit: 'binary', maxLength: 8 })),
);
const oddPaths: fc.Arbitrary<FuzzRequest> = fc
  .tuple(
    fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'),
    // Origin-form prefixes, a doubled slash, and the absolute form a proxy would send.
    fc.constantFrom(
      '/api/v1/',
      '/api/v1/images/',
      '/api/',
      '/',
      '//',
      '/health/',
      '/graphql/',
      'http://stevedore.invalid/api/v1/',
      'http://stevedore.invalid/graphql',
    ),
    fc.array(oddSegment, { minLength: 1, maxLength: 4 }),
    fc.constantFrom<Credential>('read', 'none', 'unknown'),
  )
  .map(([method, prefix, segments, credential]) => ({
    method,
    path: prefix + segments.join('/'),
    credential,
    // Whatever a read token reaches, it cannot change anything: still, never accept a change.
    mustFail: !['GET', 'HEAD', 'OPTIONS'].includes(method),
  }));

// ---------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------
// Reference filters are globs: star floods (exponential for a backtracking matcher), classes that
// are malformed or reversed, escapes, and random strings of glob syntax.

const GLOB_PIECES = [
  '*',
  '?',
  '[',
  ']',
  '^',
  '-',
  '\\',
  '/',
  ':',
  'a',
  'z',
  'x',
  '[a-z]',
  '[z-a]',
  '[^/]',
  '[]',
];
const globs: fc.Arbitrary<string> = fc.oneof(
  fc
    .tuple(
      fc.constantFrom('', '*/', 'acme/', '127.0.0.1:5000/'),
      fc.integer({ min: 1, max: 300 }),
      fc.string({ maxLength: 8 }),
    )
    .map(([head, stars, tail]) => `${head}${'*'.repeat(stars)}${tail}X`),
  fc
    .tuple(fc.integer({ min: 1, max: 150 }), fc.constantFrom('a', '?', '[a-z]', '/'))
    .map(([count, piece]) => `${`*${piece}`.repeat(count)}X`),
  fc.array(fc.constantFrom(...GLOB_PIECES), { maxLength: 24 }).map((pieces) => pieces.join('')),
  fc.string({ maxLength: 40 }),
);
const globFilters: fc.Arbitrary<FuzzRequest> = fc.oneof(
  globs.map((glob) => get(`/api/v1/images?first=5&reference=${percentEncode(glob)}`)),
  globs.map((glob) =>
    graphql('query($g: String) { images(first: 5, filter: { reference: $g }) { totalCount } }', { g: glob }),
  ),
  globs.map((glob) =>
    graphql(`{ images(first: 5, filter: { reference: ${literal(glob)} }) { totalCount } }`),
  ),
);

// ---------------------------------------------------------------------------------------------
// Alias floods: one document, many aliased fields. Over GRAPHQL_MAX_ALIASES it is refused before
// it runs; under it, changes that cannot change anything each count once.

const aliasFloods: fc.Arbitrary<FuzzRequest> = fc
  .tuple(
    fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 40, max: 5_000 })),
    fc.constantFrom(
      (i: number) =>
        `p${i}: pullImage(input: { ref: "${ABSENT_REPOSITORY}/x:${i}", platform: "${IMPOSSIBLE_PLATFORM}" }) { id }`,
      (i: number) => `u${i}: untagImage(ref: "${ABSENT_REPOSITORY}/x:${i}") { untagged }`,
      (i: number) => `r${i}: pruneImages(dryRun: true) { spaceReclaimed }`,
      (i: number) => `q${i}: images(first: 1) { totalCount }`,
    ),
  )
  .map(([count, field]) => {
    const fields = Array.from({ length: count }, (_, i) => field(i)).join(' ');
    const isQuery = field(0).startsWith('q');
    const isDryRun = field(0).startsWith('r');
    return graphql(
      isQuery ? `{ ${fields} }` : `mutation { ${fields} }`,
      undefined,
      'write',
      !isQuery && !isDryRun,
    );
  });

// ---------------------------------------------------------------------------------------------
// The WebSocket edge, before connection_init: `ws` reads a frame's length from its header, so a
// frame (or a fragmented message) over HTTP_BODY_LIMIT_BYTES is refused with 1009 at once,
// whatever follows; an upgrade to any path but /graphql is answered 404.

/** HTTP_BODY_LIMIT_BYTES's default, which startApi keeps; graphql-ws frames share it. */
const WS_FRAME_LIMIT = 1024 * 1024;
const WS_MESSAGE_TOO_BIG = 1009;

/** A client frame's header, masked with key 0 (the payload then goes out as it is). */
function wsFrameHeader(opcode: number, fin: boolean, length: number): Buffer {
  const header = Buffer.alloc(14);
  header[0] = (fin ? 0x80 : 0) | opcode;
  header[1] = 0x80 | 127;
  header.writeBigUInt64BE(BigInt(length), 2);
  return header;
}

/**
 * Sends an upgrade to `path` over a raw socket, then `chunks` once upgraded. Resolves with the
 * close code of the server's first frame, or the status line of an answer that is not 101, or
 * how the socket otherwise ended ('hang' after REQUEST_TIMEOUT_MS).
 */
function wsOutcome(
  api: ApiUnderTest,
  path: string,
  chunks: readonly Buffer[] = [],
): Promise<number | string> {
  const { hostname, port } = new URL(api.url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    let received = Buffer.alloc(0);
    let upgraded = false;
    const finish = (outcome: number | string) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => finish('hang'), REQUEST_TIMEOUT_MS);
    socket.on('error', () => undefined);
    socket.on('close', () => finish(upgraded ? 'closed without a close frame' : 'closed without an answer'));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (!upgraded) {
        const end = received.indexOf('\r\n\r\n');
        if (end === -1) return;
        const status = received.subarray(0, end).toString('latin1').split('\r\n')[0]!;
        if (!status.startsWith('HTTP/1.1 101 ')) return finish(status);
        upgraded = true;
        received = received.subarray(end + 4);
        for (const data of chunks) socket.write(data);
      }
      // The server's first frame, unmasked; a close frame's code is its first two payload bytes.
      if (received.length >= 4 && (received[0]! & 0x0f) === 0x8) finish(received.readUInt16BE(2));
    });
    socket.write(
      `GET ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
        `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n` +
        'Sec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n',
    );
  });
}

/** What goes out after the upgrade: always more than WS_FRAME_LIMIT in one message. */
const oversizedFrames: fc.Arbitrary<Buffer[]> = fc.oneof(
  // One text or binary frame over the limit (up to 2^53 - 1), with a little of its payload.
  fc
    .record({
      opcode: fc.constantFrom(0x1, 0x2),
      fin: fc.boolean(),
      length: fc.oneof(
        fc.integer({ min: WS_FRAME_LIMIT + 1, max: 8 * WS_FRAME_LIMIT }),
        fc.maxSafeInteger().filter((n) => n > WS_FRAME_LIMIT),
      ),
      sent: fc.integer({ min: 0, max: 64 * 1024 }),
    })
    .map(({ opcode, fin, length, sent }) => [wsFrameHeader(opcode, fin, length), Buffer.alloc(sent, 0x7b)]),
  // A message in fragments each under the limit, over it together.
  fc.integer({ min: 2, max: 5 }).map((parts) => {
    const size = Math.ceil((WS_FRAME_LIMIT + 1) / parts) + 1;
    return Array.from({ length: parts }, (_, index) => [
      wsFrameHeader(index === 0 ? 0x1 : 0x0, index === parts - 1, size),
      Buffer.alloc(size, 0x7b),
    ]).flat();
  }),
);

/** Paths that are not /graphql (with or without a query string). */
const otherUpgradePaths: fc.Arbitrary<string> = fc
  .oneof(
    fc.webPath(),
    fc.constantFrom('/graphqlx', '/graphql/', '/GRAPHQL', '//graphql', '/api/v1/images', '/health/live'),
  )
  .filter((path) => path.split('?')[0] !== '/graphql')
  .map((path) => (path.startsWith('/') ? path : `/${path}`).replace(/[\s#]/g, '_'));

describe(`fuzzing the api's inputs (FUZZ_SEED=${SEED})`, () => {
  let api: ApiUnderTest;
  const counts: Record<string, number> = {};

  beforeAll(async () => {
    api = await startApi(env);
  });

  afterAll(async () => {
    agent.destroy();
    await api?.close();
    console.info(
      `fuzz requests per property: ${JSON.stringify(counts)}, ${requestsSent} in all; ` +
        `slowest answer ${slowest.ms} ms: ${slowest.request}; answers: ${JSON.stringify(outcomeCounts)}`,
    );
  });

  /** fc.assert over batches of `requests`: numRuns × ~BATCH/2 requests. */
  async function fuzz(label: string, requests: fc.Arbitrary<FuzzRequest>, numRuns: number): Promise<void> {
    const before = requestsSent;
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(requests, { minLength: 1, maxLength: BATCH, size: 'max' }), (batch) =>
          expectContractAnswers(api, batch),
        ),
        {
          seed: SEED,
          path: REPLAY_PATH,
          numRuns,
          plugins: [fc.interruptAfterTimeLimit(PROPERTY_TIME_LIMIT_MS)],
        },
      );
    } finally {
      counts[label] = requestsSent - before;
    }
  }

  it(
    'references in REST paths and query strings',
    () => fuzz('rest references', readsByReference, 160),
    180_000,
  );

  it(
    'references in changes that cannot change anything (write token)',
    () => fuzz('rest changes', changesByReference, 40),
    180_000,
  );

  it(
    'references as GraphQL arguments, variables and inline literals',
    () => fuzz('graphql references', graphqlReads, 120),
    180_000,
  );

  it(
    'references in GraphQL mutations that cannot change anything (write token)',
    () => fuzz('graphql changes', graphqlChanges, 40),
    180_000,
  );

  it(
    'GraphQL documents: random, mutated, deep, wide, unknown names',
    () => fuzz('graphql documents', graphqlDocuments, 160),
    180_000,
  );

  it(
    'GraphQL variables of the wrong shapes and types',
    () => fuzz('graphql variables', wrongVariables, 60),
    180_000,
  );

  it(
    'GraphQL over HTTP: bad JSON, wrong members, media types, methods, Accept, credentials',
    () => fuzz('graphql http', graphqlHttp, 80),
    180_000,
  );

  it('REST query strings: pagination, order, filters', () => fuzz('rest queries', listQueries, 80), 180_000);

  it(
    'REST JSON bodies, bad JSON and media types',
    () => fuzz('rest bodies', fc.oneof(restBodies, badBodies), 60),
    180_000,
  );

  it('REST paths with odd segments, encodings and methods', () => fuzz('rest paths', oddPaths, 60), 180_000);

  it(
    'reference filters as globs: star floods, malformed and reversed classes, escapes',
    () => fuzz('globs', globFilters, 60),
    180_000,
  );

  it('alias floods of changes and reads (write token)', () => fuzz('alias floods', aliasFloods, 30), 180_000);

  it('closes graphql-ws sockets sending frames over the body limit with 1009, before connection_init', async () => {
    await fc.assert(
      fc.asyncProperty(oversizedFrames, async (chunks) => {
        expect(await wsOutcome(api, '/graphql', chunks)).toBe(WS_MESSAGE_TOO_BIG);
      }),
      {
        seed: SEED,
        path: REPLAY_PATH,
        numRuns: 40,
        plugins: [fc.interruptAfterTimeLimit(PROPERTY_TIME_LIMIT_MS)],
      },
    );
  }, 180_000);

  it('answers WebSocket upgrades to any other path with 404', async () => {
    await fc.assert(
      fc.asyncProperty(otherUpgradePaths, async (path) => {
        expect(await wsOutcome(api, path)).toBe('HTTP/1.1 404 Not Found');
      }),
      {
        seed: SEED,
        path: REPLAY_PATH,
        numRuns: 100,
        plugins: [fc.interruptAfterTimeLimit(PROPERTY_TIME_LIMIT_MS)],
      },
    );
  }, 180_000);

  // What the fuzz found, one request each, so that each case fails (or passes) on its own.
  it('answers a persisted-query hash without its query with BAD_USER_INPUT, and ignores one beside a query', async () => {
    for (const persistedQuery of [
      { version: 1, sha256Hash: '00' },
      { version: 2, sha256Hash: '00' },
    ]) {
      const hashOnly = postGraphql(JSON.stringify({ extensions: { persistedQuery } }));
      const refused = await send(api, hashOnly);
      expect(contractProblems(hashOnly, refused)).toEqual([]);
      expect(codeOf(refused)).toBe('BAD_USER_INPUT');
      // Persisted queries are not supported: the query sent with the hash runs as any other.
      const withQuery = postGraphql(
        JSON.stringify({ query: '{ __typename }', extensions: { persistedQuery } }),
      );
      const answered = await send(api, withQuery);
      expect(contractProblems(withQuery, answered)).toEqual([]);
      expect(answered.status).toBe(200);
    }
  });

  it('refuses a subscription sent over HTTP with BAD_USER_INPUT, not INTERNAL', async () => {
    const request = graphql('subscription { imageEvents { action } }');
    const answer = await send(api, request);
    expect(contractProblems(request, answer)).toEqual([]);
    expect(codeOf(answer)).toBe('BAD_USER_INPUT');
  });

  it('answers a path that starts with "//" as an unknown route or bad input, not INTERNAL', async () => {
    for (const path of ['//', '///', '//%', '//graphql']) {
      const answer = await send(api, get(path));
      expect(contractProblems(get(path), answer)).toEqual([]);
      // `//%` is not valid percent-encoding: BAD_USER_INPUT's 400; the others route nowhere.
      expect(answer.status).toBe(path === '//%' ? 400 : 404);
    }
  });

  it('answers the first queue reads of a new api, made at once, without QUEUE_UNAVAILABLE', async () => {
    const fresh = await startApi(env);
    try {
      const answers = await Promise.all(
        Array.from({ length: 8 }, (_, i) => send(fresh, get(`/api/v1/jobs/${ABSENT_REPOSITORY}-${i}`))),
      );
      expect(answers.map(codeOf)).toEqual(Array.from({ length: 8 }, () => 'JOB_NOT_FOUND'));
    } finally {
      await fresh.close();
    }
  });

  it('is still alive and serving afterwards', async () => {
    const live = await send(api, get('/health/live', 'none'));
    expect(live.status).toBe(200);
    const images = await send(api, graphql('{ images(first: 500) { totalCount nodes { repoTags } } }'));
    expect(images.status).toBe(200);
    const tags = (
      JSON.parse(images.text) as { data: { images: { nodes: { repoTags: string[] }[] } } }
    ).data.images.nodes.flatMap((node) => node.repoTags);
    expect(tags).toContain(env.fixtures.images.busybox.ref);
    expect(tags.filter((tag) => tag.includes(ABSENT_REPOSITORY))).toEqual([]);
    // No change got through as a job either (other files' jobs name none of these).
    const jobs = await send(api, get('/api/v1/jobs?first=500'));
    expect(jobs.status).toBe(200);
    const refs = (JSON.parse(jobs.text) as { nodes: { ref: string }[] }).nodes.map((job) => job.ref);
    expect(
      refs.filter((ref) =>
        /stevedore-fuzz-absent|127\.0\.0\.1:1\/|localhost:1\/|registry\.invalid/i.test(ref),
      ),
    ).toEqual([]);
  });
});
