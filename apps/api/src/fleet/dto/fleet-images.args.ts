import { ArgsType, Field, InputType } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsOptional, IsString, MaxLength, ValidateNested } from 'class-validator';
import { PageArgs } from '../../common/page.args.js';

@InputType({ description: 'Images whose references match, on hosts with every label given.' })
export class FleetImageFilter {
  @Field(() => String, {
    nullable: true,
    description: "Glob over familiar references, like `docker image ls 'acme/*:1.*'`.",
  })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  reference?: string;

  @Field(() => [String], {
    nullable: true,
    description: 'Host labels, `key` or `key=value`: all must match.',
  })
  @IsOptional()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @MaxLength(256, { each: true })
  hostLabels?: string[];
}

@ArgsType()
export class FleetImagesArgs extends PageArgs {
  @Field(() => FleetImageFilter, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => FleetImageFilter)
  filter?: FleetImageFilter;
}
