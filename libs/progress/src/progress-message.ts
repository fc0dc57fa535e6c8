/**
 * One line of the Docker Engine's pull/push answer (newline-delimited JSON, `\r\n`-terminated),
 * in our own names. The daemon's shapes, as captured in ./testing/streams:
 *
 *   {"status":"Downloading","progressDetail":{"current":131072,"total":10489193},"progress":"[>  ]","id":"392f249d80de"}
 *   {"status":"Pulling from stevedore-fixtures/large","id":"1"}          (the id is the tag, not a layer)
 *   {"status":"Digest: sha256:…"}  {"status":"1: digest: sha256:… size: 947"}
 *   {"progressDetail":{},"aux":{"Tag":"1","Digest":"sha256:…","Size":947}}
 *   {"errorDetail":{"message":"…"},"error":"…"}
 */
export type ProgressMessage = LayerMessage | StatusMessage | AuxMessage | ErrorMessage | MalformedMessage;

/** Progress of one layer: `Downloading`, `Extracting`, `Pushed`, `Already exists`, `Retrying in 5 seconds`, … */
export interface LayerMessage {
  readonly kind: 'layer';
  /** The short layer id as the daemon reports it (12 hex digits). */
  readonly layerId: string;
  readonly status: string;
  /** Bytes of the current phase so far, when the line carried a progressDetail with them. */
  readonly current: number | null;
  readonly total: number | null;
}

/** A line about the whole pull/push: `Pulling from …`, `Digest: …`, `Status: …`, `The push refers to …`. */
export interface StatusMessage {
  readonly kind: 'status';
  readonly status: string;
  /** The manifest digest the line announces (`Digest: sha256:…`, `<tag>: digest: sha256:… size: N`). */
  readonly digest: string | null;
}

/** A push's final result. */
export interface AuxMessage {
  readonly kind: 'aux';
  readonly tag: string | null;
  readonly digest: string | null;
  readonly size: number | null;
}

/** The daemon answers 200 and reports a failure inside the stream. */
export interface ErrorMessage {
  readonly kind: 'error';
  readonly message: string;
}

/** Not JSON, or JSON we do not understand: counted and otherwise ignored. */
export interface MalformedMessage {
  readonly kind: 'malformed';
  readonly line: string;
  readonly reason: string;
}

// Loose on purpose (algorithm:hex): the daemon already validated the digest it reports.
const DIGEST = '[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-f0-9]{32,}';
const PULL_DIGEST_LINE = new RegExp(`^Digest: (${DIGEST})$`);
const PUSH_DIGEST_LINE = new RegExp(`: digest: (${DIGEST}) size: \\d+$`);

/**
 * Parses one line of the stream; null for a blank line. Never throws: whatever the daemon (or a
 * proxy in between) sends, a job must keep running and report what it can.
 */
export function parseProgressLine(line: string): ProgressMessage | null {
  const text = line.trim();
  if (text === '') return null;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return malformed(text, 'not JSON');
  }
  if (!isRecord(json)) return malformed(text, 'not a JSON object');
  return toMessage(json) ?? malformed(text, 'neither status, error nor aux');
}

function toMessage(json: Record<string, unknown>): ProgressMessage | null {
  // An error wins over everything else on the line: it must never be missed.
  const error = errorText(json);
  if (error !== null) return { kind: 'error', message: error };
  if (isRecord(json.aux)) return auxMessage(json.aux);
  // `docker load` reports each image it loaded as a `stream` text line.
  if (typeof json.stream === 'string' && json.stream.trim() !== '') {
    return { kind: 'status', status: json.stream.trim(), digest: null };
  }
  if (typeof json.status !== 'string') return null;
  const status = json.status;
  // `Pulling from <repo>` carries the tag as its id; it is about the whole image, not a layer.
  if (typeof json.id === 'string' && json.id !== '' && !status.startsWith('Pulling from ')) {
    const detail = isRecord(json.progressDetail) ? json.progressDetail : {};
    return {
      kind: 'layer',
      layerId: json.id,
      status,
      current: byteCount(detail.current),
      total: byteCount(detail.total),
    };
  }
  return { kind: 'status', status, digest: digestInStatus(status) };
}

function errorText(json: Record<string, unknown>): string | null {
  const detail = isRecord(json.errorDetail) ? json.errorDetail.message : undefined;
  if (typeof detail === 'string' && detail !== '') return detail;
  if (typeof json.error === 'string' && json.error !== '') return json.error;
  // An error member we cannot read is still an error: a job must never succeed past one. (Go omits
  // empty members, so null and '' mean "no error".)
  if ((json.error ?? '') !== '' || (json.errorDetail ?? '') !== '') {
    return 'the daemon reported an error without a message';
  }
  return null;
}

function auxMessage(aux: Record<string, unknown>): AuxMessage {
  return {
    kind: 'aux',
    tag: typeof aux.Tag === 'string' ? aux.Tag : null,
    digest: typeof aux.Digest === 'string' && new RegExp(`^${DIGEST}$`).test(aux.Digest) ? aux.Digest : null,
    size: byteCount(aux.Size),
  };
}

function digestInStatus(status: string): string | null {
  return (PULL_DIGEST_LINE.exec(status) ?? PUSH_DIGEST_LINE.exec(status))?.[1] ?? null;
}

function byteCount(value: unknown): number | null {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : null;
}

function malformed(line: string, reason: string): MalformedMessage {
  // Bounded: a garbage line may be huge, and it only serves a log line.
  return { kind: 'malformed', line: line.slice(0, 200), reason };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
