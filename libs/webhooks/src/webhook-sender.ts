import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { Agent, request } from 'undici';
import type { WebhookTargetPolicy } from './webhook-target-policy.js';

/** What one attempt came to. */
export interface SendResult {
  /** The receiver's status; null when there was no answer (refused, reset, timed out). */
  readonly status: number | null;
  readonly durationMs: number;
  /** Why it did not succeed, for the history: never the body sent, never a secret. */
  readonly error: string | null;
  /** The receiver's Retry-After (429, 503), in milliseconds. */
  readonly retryAfterMs: number | null;
  /** The connection was refused by the target policy: final, never tried again. */
  readonly refused: boolean;
}

const TARGET_REFUSED = 'EWEBHOOKTARGET';

/** The longest answer body read (and then dropped): a receiver has nothing to say but its status. */
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * Sends deliveries over HTTP. The target policy is asked again as each connection resolves its
 * host, so that a name that points elsewhere by now (DNS rebinding) cannot reach a refused
 * address. Redirects are not followed: a receiver that moved must be subscribed anew.
 */
export class WebhookSender {
  private readonly agent: Agent;

  constructor(private readonly policy: WebhookTargetPolicy) {
    this.agent = new Agent({
      connect: { lookup: (hostname, options, callback) => this.lookup(hostname, options, callback) },
    });
  }

  async send(
    url: string,
    headers: Record<string, string>,
    body: string,
    timeoutMs: number,
  ): Promise<SendResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    try {
      const answer = await request(url, {
        method: 'POST',
        headers,
        body,
        dispatcher: this.agent,
        signal: AbortSignal.timeout(timeoutMs),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      await drain(answer.body);
      const ok = answer.statusCode >= 200 && answer.statusCode < 300;
      return {
        status: answer.statusCode,
        durationMs: elapsed(),
        error: ok ? null : `the receiver answered ${answer.statusCode}`,
        retryAfterMs: retryAfterOf(answer.headers['retry-after']),
        refused: false,
      };
    } catch (error) {
      return {
        status: null,
        durationMs: elapsed(),
        error: describe(error, timeoutMs),
        retryAfterMs: null,
        refused: causeCode(error) === TARGET_REFUSED,
      };
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  private lookup(
    hostname: string,
    options: LookupOptions,
    callback: (
      error: NodeJS.ErrnoException | null,
      address: string | LookupAddress[],
      family?: number,
    ) => void,
  ): void {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const refused = addresses.find((entry) => !this.policy.permits(entry.address));
      if (refused) {
        const denial = Object.assign(
          new Error(`${hostname} resolves to ${refused.address}, which webhooks may not reach`),
          {
            code: TARGET_REFUSED,
          },
        );
        return callback(denial, []);
      }
      if (options.all) return callback(null, addresses);
      const first = addresses[0]!;
      callback(null, first.address, first.family);
    });
  }
}

async function drain(body: AsyncIterable<Buffer>): Promise<void> {
  let read = 0;
  for await (const chunk of body) {
    read += chunk.length;
    if (read > MAX_ANSWER_BYTES) break;
  }
}

/** Seconds, or an HTTP date. */
function retryAfterOf(header: string | string[] | undefined): number | null {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now());
}

function causeCode(error: unknown): string | undefined {
  const withCause = error as { code?: string; cause?: { code?: string } };
  return withCause.cause?.code ?? withCause.code;
}

function describe(error: unknown, timeoutMs: number): string {
  const name = (error as { name?: string }).name;
  if (name === 'TimeoutError' || name === 'AbortError' || /timeout/i.test(String(error))) {
    return `no answer within ${timeoutMs} ms`;
  }
  const code = (error as { code?: string; cause?: { code?: string; message?: string } }).cause ?? error;
  const message = error instanceof Error ? error.message : String(error);
  return `could not be reached: ${(code as { message?: string }).message ?? message}`.slice(0, 300);
}
