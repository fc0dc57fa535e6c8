import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { BadUserInputError, UnsupportedError } from '#libs/errors';
import { agentVersion } from '#libs/fleet';
import { problemAnswer, sendProblem } from '../errors/problem-details.filter.js';
import { requestIdOf } from '../errors/request-id.js';
import { toPublicError } from '../errors/public-error.js';
import { HostCatalogues } from '../fleet/host-catalogues.js';
import { ShutdownSignal } from '../shutdown/graceful-shutdown.js';
import { AdmissionChain, type OperationCall } from '../operations/admission-chain.js';
import type { EngineAnswer, EngineCall, EngineRoute } from './engine-call.js';
import { EngineImageChangeHandlers } from './engine-image-changes.handlers.js';
import { EngineImageReadHandlers } from './engine-image-reads.handlers.js';
import { errorLine, type EngineProgressLine } from './engine-job-stream.js';
import {
  compareApiVersions,
  ENGINE_API_VERSION,
  ENGINE_MIN_API_VERSION,
  parseEnginePath,
} from './engine-path.js';
import { engineRoutes } from './engine-routes.js';
import { EngineSystemHandlers } from './engine-system.handlers.js';
import { EngineTransferHandlers } from './engine-transfers.handlers.js';

/** The prefixes the Engine API answers under; everything below them is routed here. */
const MOUNTS = ['/engine', '/engine/*', '/hosts/:host/engine', '/hosts/:host/engine/*'];
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];
const logger = new Logger('EngineApi');

/**
 * The Docker Engine API, images only, as a transport over Stevedore's operations: the docker CLI
 * and SDKs point DOCKER_HOST at `/engine` (or `/hosts/{name}/engine`). Each request is routed
 * to the operation it serves and admitted by the one admission chain; every other call of the
 * Engine API is refused in the daemon's shape, never forwarded.
 *
 * A Fastify plugin rather than Nest controllers: image names hold slashes, which the daemon's
 * router matches with `{name:.*}`, and bodies (an archive to load) must stay unread streams.
 */
@Injectable()
export class EngineApi implements OnModuleInit {
  private readonly routes: readonly EngineRoute[];
  private readonly headers: Record<string, string>;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly chain: AdmissionChain,
    private readonly hosts: HostCatalogues,
    private readonly shutdown: ShutdownSignal,
    system: EngineSystemHandlers,
    reads: EngineImageReadHandlers,
    changes: EngineImageChangeHandlers,
    transfers: EngineTransferHandlers,
  ) {
    this.routes = engineRoutes({ system, reads, changes, transfers });
    this.headers = {
      'api-version': ENGINE_API_VERSION,
      'docker-experimental': 'false',
      ostype: 'linux',
      server: `Stevedore/${agentVersion()} (images only)`,
    };
  }

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify) return;
    void fastify.register(async (scope) => {
      // Bodies stay unread: the handlers that take one read or stream it themselves.
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
      for (const url of MOUNTS) {
        scope.route({
          method: METHODS,
          url,
          exposeHeadRoute: false,
          handler: (request, reply) => this.serve(request, reply),
        });
      }
    });
  }

  private async serve(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    void reply.headers(this.headers);
    try {
      const [pathname = '', search = ''] = request.url.split(/\?(.*)/s, 2);
      const target = parseEnginePath(pathname);
      if (!target) throw new UnsupportedError(refusal(request.method, pathname));
      checkVersion(target.version);
      const found = this.route(request.method, target.path);
      if (!found) throw new UnsupportedError(refusal(request.method, target.path));
      const host = this.hostOf(target.host, found.route);
      // A client that goes away, or the api shutting down, ends what the call streams.
      const abort = new AbortController();
      reply.raw.once('close', () => abort.abort());
      const signal = AbortSignal.any([abort.signal, this.shutdown.signal]);
      const query = new URLSearchParams(search);
      const operationCall: OperationCall = {
        principal: request.principal,
        // The name and host are the path's (no route takes them as query parameters): a query
        // must not rename, in the audit trail, what the call acted on.
        arguments: () => {
          const { name: _name, host: _host, ...parameters } = Object.fromEntries(query);
          return { ...parameters, ...(found.name ? { name: found.name } : {}), ...(host ? { host } : {}) };
        },
      };
      const principal = await this.chain.admit(found.route.operation, operationCall);
      const call: EngineCall = { host, name: found.name, query, request, principal, signal };
      let answer: EngineAnswer;
      try {
        answer = await found.route.handle(call);
      } catch (error) {
        await this.chain.settle(found.route.operation, operationCall, error);
        throw error;
      }
      await this.chain.settle(found.route.operation, operationCall);
      await this.write(request, reply, answer);
    } catch (error) {
      sendProblem(reply, problemAnswer(error, request));
    }
  }

  /** The daemon answers HEAD on `/_ping` only; elsewhere it would run a GET and drop the body. */
  private route(method: string, path: string): { route: EngineRoute; name: string } | null {
    const wanted = method === 'HEAD' && path.replace(/\/$/, '') === '/_ping' ? 'GET' : method;
    for (const route of this.routes) {
      if (route.method !== wanted) continue;
      const match = route.path.exec(path);
      if (match) return { route, name: decoded(match[1] ?? '') };
    }
    return null;
  }

  /**
   * The host a call acts on, checked before admission: a `/hosts/{name}` of the fleet, or the only
   * host under `/engine`. Where there are several, `/engine` answers only the hostless routes and
   * tells the CLI user where to point DOCKER_HOST.
   */
  private hostOf(named: string | undefined, route: EngineRoute): string | undefined {
    if (named !== undefined) return this.hosts.resolve(named);
    const names = this.hosts.names();
    if (names.length === 1) return names[0];
    if (route.hostless) return undefined;
    if (names.length === 0) return this.hosts.resolve(undefined);
    throw new BadUserInputError(
      `This Stevedore serves ${names.length} Docker hosts: point DOCKER_HOST at /hosts/<name>/engine, with a name among ${names.slice(0, 20).join(', ')}.`,
    );
  }

  private async write(request: FastifyRequest, reply: FastifyReply, answer: EngineAnswer): Promise<void> {
    if ('empty' in answer) return void (await reply.status(answer.status).send());
    if ('text' in answer) return void (await reply.type('text/plain; charset=utf-8').send(answer.text));
    if ('json' in answer) {
      return void (await reply
        .status(answer.status ?? 200)
        .type('application/json')
        .send(Buffer.from(`${JSON.stringify(answer.json)}\n`)));
    }
    if ('tar' in answer) {
      return void (await reply.type('application/x-tar').send(answer.tar));
    }
    const stream = Readable.from(jsonLines(answer.lines, requestIdOf(request.raw)));
    return void (await reply.type('application/json').send(stream));
  }
}

/**
 * The daemon's stream framing (one JSON object per `\r\n`-ended line). A failure after the
 * answer began becomes the daemon's error line, which the CLI prints and exits 1 on.
 */
async function* jsonLines(
  lines: AsyncIterable<EngineProgressLine>,
  requestId: string,
): AsyncGenerator<string> {
  try {
    for await (const line of lines) yield `${JSON.stringify(line)}\r\n`;
  } catch (error) {
    const failure = toPublicError(error, requestId);
    if (failure.unexpected) logger.error({ requestId, message: 'engine stream failed', err: String(error) });
    yield `${JSON.stringify(errorLine(failure.message))}\r\n`;
  }
}

function checkVersion(version: string | null): void {
  if (version === null) return;
  if (compareApiVersions(version, ENGINE_API_VERSION) > 0) {
    throw new BadUserInputError(
      `client version ${version} is too new. Maximum supported API version is ${ENGINE_API_VERSION}`,
    );
  }
  if (compareApiVersions(version, ENGINE_MIN_API_VERSION) < 0) {
    throw new BadUserInputError(
      `client version ${version} is too old. Minimum supported API version is ${ENGINE_MIN_API_VERSION}, please upgrade your client to a newer version`,
    );
  }
}

function refusal(method: string, path: string): string {
  return `Stevedore serves images only: ${method} ${path.slice(0, 200)} is not an image operation (containers, exec, build, volumes, networks, swarm and plugins stay with the daemon).`;
}

function decoded(name: string): string {
  try {
    return decodeURIComponent(name);
  } catch {
    return name;
  }
}
