import { applyDecorators, SetMetadata } from '@nestjs/common';
import { Extensions } from '@nestjs/graphql';
import { ApiOperation } from '@nestjs/swagger';
import { ApiProblemResponses } from '../errors/api-problem-responses.decorator.js';
import { possibleErrors, type Operation } from './operation.js';

const SERVED_OPERATION = 'stevedore:operation';
/** Where a GraphQL root field keeps its declaration, for admission before execution. */
export const OPERATION_EXTENSION = 'stevedoreOperation';

/**
 * Marks a REST handler or GraphQL root field as serving one declared operation: the admission
 * chain admits it by that declaration, and the OpenAPI document takes its summary and error
 * answers from it (GraphQL ignores those; REST ignores the schema extension).
 */
export function Serves(operation: Operation): MethodDecorator {
  return applyDecorators(
    SetMetadata(SERVED_OPERATION, operation),
    Extensions({ [OPERATION_EXTENSION]: operation }),
    ApiOperation({ summary: operation.summary, description: operation.description }),
    ApiProblemResponses(...possibleErrors(operation)),
  );
}

/** The declaration a handler serves; undefined for routes outside the API (probes, metrics). */
export function servedOperation(handler: object): Operation | undefined {
  return Reflect.getMetadata(SERVED_OPERATION, handler) as Operation | undefined;
}
