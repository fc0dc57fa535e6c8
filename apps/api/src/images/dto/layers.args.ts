import { ArgsType, Field, Int } from '@nestjs/graphql';
import { IsInt, Max, Min } from 'class-validator';
import { MAX_PAGE_SIZE } from '#libs/pagination';
import { PageArgs } from '../../common/page.args.js';

/** Layers come a hundred to a page by default. */
@ArgsType()
export class LayersArgs extends PageArgs {
  @Field(() => Int, { nullable: true, defaultValue: 100 })
  @IsInt()
  @Min(0)
  @Max(MAX_PAGE_SIZE)
  override first: number = 100;
}
