import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The real daemon answers that capture-streams.ts recorded (Docker 20.10, distribution 2.8). */
const STREAMS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'streams');

export type CapturedStream =
  | 'pull-large'
  | 'pull-layers-exist'
  | 'pull-auth-with-credentials'
  | 'pull-registry-gone'
  | 'pull-daemon-stopped'
  | 'pull-daemon-crashed'
  | 'push-layers-exist'
  | 'push-new-layer'
  | 'push-mounted'
  | 'push-no-auth-header'
  | 'push-auth-no-credentials'
  | 'push-unreachable';

/** Refusals with an HTTP status before any line was streamed. */
export type CapturedHttpError =
  | 'pull-missing-tag'
  | 'pull-missing-repo'
  | 'pull-auth-no-credentials'
  | 'pull-auth-wrong-password'
  | 'pull-unreachable';

/** The stream's lines as the daemon sent them, `\r` included; without the empty tail after the last `\n`. */
export function capturedLines(name: CapturedStream): string[] {
  const raw = readFileSync(join(STREAMS_DIR, `${name}.jsonl`), 'utf8');
  return raw.split('\n').slice(0, raw.endsWith('\n') ? -1 : undefined);
}

/** dockerode's error for an HTTP refusal: `(HTTP code 404) unexpected - manifest for … not found: …`. */
export function capturedHttpError(name: CapturedHttpError): { statusCode: number; message: string } {
  return JSON.parse(readFileSync(join(STREAMS_DIR, `${name}.http-error.json`), 'utf8')) as {
    statusCode: number;
    message: string;
  };
}

/** How the HTTP answer of an interrupted pull ended (the socket error no line reports). */
export function capturedStreamEnd(name: CapturedStream): { ended: 'cleanly' | 'error'; message?: string } {
  return JSON.parse(readFileSync(join(STREAMS_DIR, `${name}.end.json`), 'utf8')) as {
    ended: 'cleanly' | 'error';
    message?: string;
  };
}
