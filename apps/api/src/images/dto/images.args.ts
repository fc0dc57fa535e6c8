import { ArgsType, Field } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import { IsOptional, ValidateNested } from 'class-validator';
import { PageArgs } from '../../common/page.args.js';
import { ImageFilterInput } from './image-filter.input.js';
import { ImageOrderInput } from './image-order.input.js';

@ArgsType()
export class ImagesArgs extends PageArgs {
  @Field(() => ImageFilterInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => ImageFilterInput)
  filter?: ImageFilterInput;

  @Field(() => ImageOrderInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => ImageOrderInput)
  orderBy?: ImageOrderInput;
}
