import { ArgsType, Field, Int } from '@nestjs/graphql';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { MAX_PAGE_SIZE } from '#libs/pagination';

/**
 * `first` and `after` of every list, GraphQL connection or REST query alike: a page size
 * (default 50) and the cursor to resume after.
 */
@ArgsType()
export class PageArgs {
  @Field(() => Int, { nullable: true, defaultValue: 50 })
  @ApiPropertyOptional({ minimum: 0, maximum: MAX_PAGE_SIZE, default: 50, description: 'page size' })
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_PAGE_SIZE)
  first: number = 50;

  @Field(() => String, { nullable: true })
  @ApiPropertyOptional({ description: 'endCursor of the previous page' })
  @IsOptional()
  @IsString()
  after?: string;
}
