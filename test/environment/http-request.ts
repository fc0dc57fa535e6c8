import { request } from 'node:http';

import type { RegistryCredentials } from './types.js';

export interface HttpAnswer {
  status: number;
  body: string;
}

/** One small request with a hard timeout; `socketPath` reaches a unix-socket API such as dockerd's. */
export function httpRequest(
  url: string,
  options: {
    socketPath?: string;
    credentials?: RegistryCredentials;
    timeoutMs?: number;
    method?: string;
  } = {},
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (options.credentials) {
      const token = Buffer.from(`${options.credentials.username}:${options.credentials.password}`);
      headers.authorization = `Basic ${token.toString('base64')}`;
    }
    const req = request(
      url,
      {
        method: options.method ?? 'GET',
        socketPath: options.socketPath,
        headers,
        timeout: options.timeoutMs ?? 2_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${options.method ?? 'GET'} ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}
