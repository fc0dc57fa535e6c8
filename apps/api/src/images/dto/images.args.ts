import { ArgsType, Field, Int } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, Min, ValidateNested } from 'class-validator';
import { MAX_PAGE_SIZE } from '#libs/catalogue';
import { ImageFilterInput } from './image-filter.input.js';
import { ImageOrderInput } from './image-order.input.js';

@ArgsType()
export class ImagesArgs {
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
