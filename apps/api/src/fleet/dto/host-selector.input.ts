import { Field, InputType } from '@nestjs/graphql';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsOptional, IsString, MaxLength } from 'class-validator';

@InputType('HostSelector', {
  description:
    'Several hosts: each one named, and every host carrying all the labels given (`key` or `key=value`).',
})
export class HostSelectorInput {
  @Field(() => [String], { nullable: true })
  @ApiPropertyOptional({ type: [String], example: ['edge-1', 'edge-2'] })
  @IsOptional()
  @ArrayMaxSize(10_000)
  @IsString({ each: true })
  @MaxLength(63, { each: true })
  names?: string[];

  @Field(() => [String], { nullable: true })
  @ApiPropertyOptional({ type: [String], example: ['role=edge'] })
  @IsOptional()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @MaxLength(256, { each: true })
  labels?: string[];
}
