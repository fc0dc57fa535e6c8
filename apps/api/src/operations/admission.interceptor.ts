import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { GqlExecutionContext, type GqlContextType } from '@nestjs/graphql';
import type { FastifyRequest } from 'fastify';
import { concatMap, from, Observable } from 'rxjs';
import type { Principal } from '#libs/auth';
import { AdmissionChain, type OperationCall } from './admission-chain.js';
import type { Operation } from './operation.js';
import { servedOperation } from './served-operation.js';

/**
 * The admission chain as Nest runs it around REST handlers and GraphQL root fields (field
 * resolvers below them are not operations); `@Serves` puts it on each. GraphQL documents were
 * budgeted before execution, by Mercurius's preExecution hook or the WebSocket gate.
 */
@Injectable()
export class AdmissionInterceptor implements NestInterceptor {
  constructor(private readonly chain: AdmissionChain) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const operation = servedOperation(context.getHandler());
    // Only `@Serves` applies this interceptor, always with a declaration.
    if (!operation) throw new Error(`${context.getHandler().name} serves no operation`);
    const graphql = context.getType<GqlContextType>() === 'graphql';
    const call = graphql ? graphqlCall(context) : restCall(context);
    const principal = await this.chain.admit(operation, call, { budgeted: graphql });
    return settled(next.handle(), this.chain, operation, { ...call, principal });
  }
}

function graphqlCall(context: ExecutionContext): OperationCall {
  const gql = GqlExecutionContext.create(context);
  return {
    principal: gql.getContext<{ req?: { principal?: Principal } }>().req?.principal,
    arguments: () => gql.getArgs(),
  };
}

function restCall(context: ExecutionContext): OperationCall {
  const request = context.switchToHttp().getRequest<FastifyRequest>();
  return {
    principal: request.principal,
    // The path's parameters last: a query or body field of the same name must not rename, in the
    // audit trail, what the route acted on.
    arguments: () => ({ ...(request.query as object), ...bodyOf(request), ...(request.params as object) }),
  };
}

/** A JSON body's fields; uploads (streams) are not arguments. */
function bodyOf(request: FastifyRequest): Record<string, unknown> {
  const body: unknown = request.body;
  return body && typeof body === 'object' && !Buffer.isBuffer(body) ? (body as Record<string, unknown>) : {};
}

/**
 * Settles once, when the handler answered or failed: streams (an SSE feed, a subscription, an
 * export) settle at their first value, not at their end.
 */
function settled(
  answer: Observable<unknown>,
  chain: AdmissionChain,
  operation: Operation,
  call: OperationCall,
): Observable<unknown> {
  let done = false;
  const settle = (error?: unknown) => {
    if (done) return Promise.resolve();
    done = true;
    return chain.settle(operation, call, error);
  };
  return new Observable<unknown>((subscriber) =>
    answer.pipe(concatMap((value) => from(settle().then(() => value)))).subscribe({
      next: (value) => subscriber.next(value),
      error: (error: unknown) => void settle(error).then(() => subscriber.error(error)),
      complete: () => void settle().then(() => subscriber.complete()),
    }),
  );
}
