import { applyDecorators, SetMetadata, UseInterceptors } from '@nestjs/common';
import { Extensions } from '@nestjs/graphql';
import { ApiOperation } from '@nestjs/swagger';
import { ApiProblemResponses } from '../errors/api-problem-responses.decorator.js';
import { AdmissionInterceptor } from './admission.interceptor.js';
import { possibleErrors, type Operation } from './operation.js';
import { OPERATION_EXTENSION, SERVED_OPERATION } from './served-operation.js';

/**
 * Marks a REST handler or GraphQL root field as serving one declared operation: the admission
 * chain runs around it (its interceptor comes with the declaration, so the open routes, which
 * serve none, pay nothing for it), and the OpenAPI document takes its summary and error answers
 * from it (GraphQL ignores those; REST ignores the schema extension).
 */
export function Serves(operation: Operation): MethodDecorator {
  return applyDecorators(
    SetMetadata(SERVED_OPERATION, operation),
    UseInterceptors(AdmissionInterceptor),
    Extensions({ [OPERATION_EXTENSION]: operation }),
    ApiOperation({ summary: operation.summary, description: operation.description }),
    ApiProblemResponses(...possibleErrors(operation)),
  );
}
