import { ConfigurationError } from './configuration-error.js';

/** How to reach the Docker daemon, read the way the Docker CLI reads DOCKER_HOST. */
export type DockerConnection =
  | { readonly kind: 'socket'; readonly socketPath: string; readonly description: string }
  | {
      readonly kind: 'tcp';
      readonly host: string;
      readonly port: number;
      readonly tls?: { readonly certPath: string; readonly verify: boolean };
      readonly description: string;
    };

export function parseDockerHost(
  dockerHost: string,
  options: { tlsVerify?: string; certPath?: string },
): DockerConnection {
  if (dockerHost.startsWith('unix://')) {
    const socketPath = dockerHost.slice('unix://'.length);
    return { kind: 'socket', socketPath, description: dockerHost };
  }
  if (dockerHost.startsWith('npipe://')) {
    return { kind: 'socket', socketPath: dockerHost.slice('npipe://'.length), description: dockerHost };
  }
  const url = new URL(dockerHost);
  const port = Number(url.port);
  // As the Docker CLI: any non-empty DOCKER_TLS_VERIFY turns verification on, and needs certificates.
  const verify = options.tlsVerify !== undefined && options.tlsVerify !== '';
  if (verify && !options.certPath) {
    throw new ConfigurationError(['DOCKER_CERT_PATH: must be set when DOCKER_TLS_VERIFY is set']);
  }
  const tls = options.certPath ? { certPath: options.certPath, verify } : undefined;
  return { kind: 'tcp', host: url.hostname, port, tls, description: dockerHost };
}
