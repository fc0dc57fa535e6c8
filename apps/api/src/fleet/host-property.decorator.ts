import { applyDecorators } from '@nestjs/common';
import { Field } from '@nestjs/graphql';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';

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
