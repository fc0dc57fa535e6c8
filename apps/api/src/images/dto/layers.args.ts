import { ArgsType, Field, Int } from '@nestjs/graphql';
import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { MAX_PAGE_SIZE } from '#libs/catalogue';

@ArgsType()
export class LayersArgs {
  @Field(() => Int, { nullable: true, defaultValue: 100 })
  @IsInt()
  @Min(0)
  @Max(MAX_PAGE_SIZE)
  first: number = 100;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsString()
  after?: string;
}
