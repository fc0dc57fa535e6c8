import { applyDecorators } from '@nestjs/common';
import { Field, Int } from '@nestjs/graphql';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsArray, IsInt, IsOptional, IsString, MaxLength, ValidateNested } from 'class-validator';
import { toList } from '../common/query-values.js';
import { HostSelectorInput } from './dto/host-selector.input.js';

const DESCRIPTION = 'The Docker host (see hosts); may be left out when there is only one.';

/**
 * The optional `host` of an input or REST query, validated at the edge (the name's grammar and
 * whether the host exists are HostCatalogues.resolve's). With `graphql`, a field of the input too.
 */
export function HostProperty({ graphql }: { graphql: boolean }): PropertyDecorator {
  return applyDecorators(
    ...(graphql ? [Field(() => String, { nullable: true, description: DESCRIPTION })] : []),
    ApiPropertyOptional({ description: DESCRIPTION }),
    IsOptional(),
    IsString(),
    MaxLength(63),
  );
}

/**
 * `hosts` of a change that may fan out: several hosts instead of one (GraphQL input or args
 * field, and its OpenAPI description). Checked in depth by ImageJobsService.
 */
export function HostsProperty(description: string): PropertyDecorator {
  return applyDecorators(
    Field(() => HostSelectorInput, { nullable: true, description }),
    ApiPropertyOptional({ type: HostSelectorInput }),
    IsOptional(),
    ValidateNested(),
    Type(() => HostSelectorInput),
  );
}

/** `maxParallel` that goes with `hosts`: at most this many hosts at a time. */
export function MaxParallelProperty(): PropertyDecorator {
  return applyDecorators(
    Field(() => Int, {
      nullable: true,
      description: 'With hosts: at most this many hosts at a time (default: all at once).',
    }),
    ApiPropertyOptional({ minimum: 1 }),
    IsOptional(),
    IsInt(),
  );
}

/**
 * A REST query parameter that may repeat (`?hostLabel=a&hostLabel=b`): a list of strings each at
 * most `maxLength` long, with its OpenAPI description.
 */
export function RepeatedQueryProperty(description: string, maxLength: number): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ type: [String], description }),
    IsOptional(),
    Transform(toList),
    IsArray(),
    IsString({ each: true }),
    MaxLength(maxLength, { each: true }),
  );
}
