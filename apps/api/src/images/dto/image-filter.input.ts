import { Field, InputType } from '@nestjs/graphql';
import { IsArray, IsBoolean, IsOptional, IsString, MaxLength } from 'class-validator';

@InputType('ImageFilter')
export class ImageFilterInput {
  @Field(() => String, {
    nullable: true,
    description: "Glob over familiar references, like `docker image ls 'acme/*:1.*'`.",
  })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  reference?: string;

  @Field(() => Boolean, { nullable: true })
  @IsOptional()
  @IsBoolean()
  dangling?: boolean;

  @Field(() => [String], { nullable: true, description: 'key or key=value, all must match.' })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  labels?: string[];

  @Field(() => Boolean, { nullable: true })
  @IsOptional()
  @IsBoolean()
  official?: boolean;

  @Field(() => Boolean, {
    nullable: true,
    description: 'Only the images an update check found a newer image for (true), or the others (false).',
  })
  @IsOptional()
  @IsBoolean()
  updateAvailable?: boolean;

  @Field(() => Boolean, {
    nullable: true,
    defaultValue: false,
    description: 'Include intermediate images (`docker image ls -a`).',
  })
  @IsOptional()
  @IsBoolean()
  all?: boolean;
}
