import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import type { StevedoreConfig } from '#libs/config';
import { BadUserInputError } from '#libs/errors';
import { problemAnswer, sendProblem } from '../errors/problem-details.filter.js';

/** Media types of an image archive upload (docker save's tar), read by the import as a stream. */
export const ARCHIVE_MEDIA_TYPES = ['application/x-tar', 'application/octet-stream'];

/**
 * Fastify as the api needs it: bodies bounded by HTTP_BODY_LIMIT_BYTES; path parameters as long
 * as the longest image reference a path can carry (Fastify's default of 100 characters would
 * answer 414 for a long reference); routes matched like Express did, ignoring case and a final
 * `/`. Node's server timeouts are set by useRequestTimeouts. A URL the router cannot read (bad
 * percent-encoding, an absolute form) is the caller's input, answered as every refusal is.
 */
export function fastifyOptions(config: StevedoreConfig): FastifyServerOptions {
  return {
    bodyLimit: config.http.bodyLimitBytes,
    routerOptions: { maxParamLength: 4096, ignoreTrailingSlash: true, caseSensitive: false },
    // Our own access log writes one line per request.
    logger: false,
    // Probes read a closing api as not ready themselves; Fastify's 503 would be a second answer.
    return503OnClosing: false,
    frameworkErrors: (error, request, reply) =>
      sendProblem(reply, problemAnswer(new BadUserInputError(error.message), request)),
  };
}

/**
 * The import reads its body as a stream (an archive can be gigabytes): archives are not parsed,
 * the handler reads the request itself, with bounds of its own.
 */
export function acceptUploads(fastify: FastifyInstance): void {
  fastify.addContentTypeParser(ARCHIVE_MEDIA_TYPES, (_request, _payload, done) => done(null));
}

/**
 * Nest's Fastify adapter, with the api's own error handler for what fails before a handler runs
 * (a body Fastify cannot parse, a hook's refusal): Mercurius makes Fastify register the routes
 * early, so a handler Nest installs later would reach none of them (and Fastify warns when a
 * scope's handler is replaced). Errors of Nest's handlers still go through its exception filters.
 */
export class ApiFastifyAdapter extends FastifyAdapter {
  constructor(config: StevedoreConfig) {
    super(fastifyOptions(config));
    this.getInstance().setErrorHandler((error, request, reply) =>
      sendProblem(reply, problemAnswer(error, request)),
    );
  }

  override setErrorHandler(): FastifyInstance {
    return this.getInstance();
  }
}
