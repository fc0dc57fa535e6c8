import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { requestIdOf } from '../errors/request-id.js';

type Middleware = (request: IncomingMessage, response: ServerResponse, next: () => void) => void;

/**
 * One line per answered request, written when the response ends: method, url, status and time.
 * Headers only at debug and below (redacted): at the default level a request costs one small
 * object. Probes every few seconds would drown the log, so /health/ is not logged.
 */
export function accessLog(logger: Logger): Middleware {
  const withHeaders = logger.isLevelEnabled('debug');
  if (!logger.isLevelEnabled('info')) return (_request, _response, next) => next();
  return (request, response, next) => {
    if (request.url?.startsWith('/health/')) return next();
    const started = performance.now();
    response.once('finish', () => {
      logger.info({
        message: 'request completed',
        requestId: requestIdOf(request),
        req: withHeaders
          ? { method: request.method, url: request.url, headers: request.headers }
          : { method: request.method, url: request.url },
        res: { statusCode: response.statusCode },
        responseTime: Math.round((performance.now() - started) * 10) / 10,
      });
    });
    next();
  };
}
