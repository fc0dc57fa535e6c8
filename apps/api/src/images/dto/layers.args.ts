import { ArgsType, Field, Int } from '@nestjs/graphql';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { MAX_PAGE_SIZE } from '#libs/pagination';
import { PageArgs } from '../../common/page.args.js';

/** Layers come a hundred to a page by default. */
@ArgsType()
export class LayersArgs extends PageArgs {
  @Field(() => Int, { nullable: true, defaultValue: 100 })
  @ApiPropertyOptional({ minimum: 0, maximum: MAX_PAGE_SIZE, default: 100, description: 'page size' })
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_PAGE_SIZE)
  override first: number = 100;
}
