import { DOCKER_HUB_AUTH_KEY, isDockerHub } from './docker-config.js';
import { redact } from './redaction.js';
import type { RegistryCredentials } from './registry-credentials.js';

/** The Engine API header that carries registry credentials on pull (POST /images/create) and push. */
export const REGISTRY_AUTH_HEADER = 'X-Registry-Auth';

/**
 * The X-Registry-Auth value for `credentials`: base64url (RFC 4648 §5) WITH `=` padding of the
 * Engine API's AuthConfig JSON, `{"username","password","serveraddress"}` or
 * `{"identitytoken","serveraddress"}` (plus `username` when the token came with one), and of `{}`
 * for none, which a push needs on newer daemons.
 *
 * The padding matters: the daemon (moby's DecodeAuthConfig, 20.10 to current) decodes with Go's
 * padded base64.URLEncoding through a streaming decoder, which drops an unpadded final group, so
 * the JSON is cut short and the daemon silently goes on without credentials. (Node's
 * `toString('base64url')` leaves the padding out.)
 *
 * The value is as secret as the password: never log it.
 */
export function registryAuthHeader(credentials: RegistryCredentials | null, serverAddress: string): string {
  return encodeBase64UrlPadded(JSON.stringify(authConfigJson(credentials, serverAddress)));
}

/**
 * `serveraddress` as the Docker CLI sends it: `https://index.docker.io/v1/` for Docker Hub, else
 * the registry's host[:port]. The daemon does not use it to pick a registry on pull or push.
 */
export function serverAddressFor(registryHost: string): string {
  return isDockerHub(registryHost) ? DOCKER_HUB_AUTH_KEY : registryHost;
}

/**
 * dockerode's `authconfig` option carrying a ready header: docker-modem sends `authconfig.key`
 * as the X-Registry-Auth value verbatim. Prints as `[redacted]`. Pass this, never a
 * RegistryCredentials (docker-modem would JSON.stringify it, which gives `"[redacted]"`).
 */
export function dockerodeAuthconfig(
  credentials: RegistryCredentials | null,
  serverAddress: string,
): { readonly key: string } {
  return Object.freeze(redact({ key: registryAuthHeader(credentials, serverAddress) }));
}

function authConfigJson(credentials: RegistryCredentials | null, serverAddress: string): object {
  if (credentials === null) return {};
  if (credentials.identityToken !== undefined) {
    return credentials.username === undefined
      ? { identitytoken: credentials.identityToken, serveraddress: serverAddress }
      : {
          username: credentials.username,
          identitytoken: credentials.identityToken,
          serveraddress: serverAddress,
        };
  }
  return { username: credentials.username, password: credentials.password, serveraddress: serverAddress };
}

/** base64url with `=` padding, as Go's base64.URLEncoding writes it. */
export function encodeBase64UrlPadded(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}
