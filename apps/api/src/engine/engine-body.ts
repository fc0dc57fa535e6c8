import type { FastifyRequest } from 'fastify';
import { BadUserInputError } from '#libs/errors';

/** The JSON bodies the Engine API reads (`/auth`) are a few hundred bytes. */
const MAX_JSON_BODY_BYTES = 64 * 1024;

/**
 * Reads a small JSON object body. The Engine API's routes leave bodies unread (an archive to load
 * is streamed on), so the few that carry JSON read it here, bounded.
 */
export async function readJsonBody(request: FastifyRequest): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request.raw) {
    size += (chunk as Buffer).length;
    if (size > MAX_JSON_BODY_BYTES)
      throw new BadUserInputError(`The body is over ${MAX_JSON_BODY_BYTES} bytes.`);
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return {};
  let json: unknown;
  try {
    json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new BadUserInputError('The body is not JSON.');
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new BadUserInputError('The body must be a JSON object.');
  }
  return json as Record<string, unknown>;
}

/**
 * The X-Registry-Auth header: base64url JSON of the CLI's stored credentials for the registry
 * (`{}` or absent when it has none). Returns null for none.
 */
export function registryAuthOf(
  request: FastifyRequest,
): { username?: string | null; password?: string | null; identityToken?: string | null } | null {
  const header = request.headers['x-registry-auth'];
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return null;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
  } catch {
    throw new BadUserInputError('X-Registry-Auth must be base64url-encoded JSON.');
  }
  if (json === null || typeof json !== 'object') return null;
  const auth = json as Record<string, unknown>;
  const field = (name: string) =>
    typeof auth[name] === 'string' && auth[name] !== '' ? (auth[name] as string) : null;
  const credentials = {
    username: field('username'),
    password: field('password'),
    identityToken: field('identitytoken'),
  };
  return credentials.username || credentials.password || credentials.identityToken ? credentials : null;
}
