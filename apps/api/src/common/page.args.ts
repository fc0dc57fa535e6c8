import { ArgsType, Field, Int } from '@nestjs/graphql';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { MAX_PAGE_SIZE } from '#libs/pagination';

/** `first` and `after` of every GraphQL connection: a page size and the cursor to resume after. */
@ArgsType()
export class PageArgs {
  @Field(() => Int, { nullable: true, defaultValue: 50 })
  @IsInt()
  @Min(0)
  @Max(MAX_PAGE_SIZE)
  first: number = 50;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsString()
  after?: string;
}

/** The same two parameters as REST query strings; each controller applies its own default size. */
export class PageQuery {
  @ApiPropertyOptional({ minimum: 0, maximum: MAX_PAGE_SIZE, description: 'page size' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_PAGE_SIZE)
  first?: number;

  @ApiPropertyOptional({ description: 'endCursor of the previous page' })
  @IsOptional()
  @IsString()
  after?: string;
}
