import { Field, InputType } from '@nestjs/graphql';
import { ArrayMaxSize, IsEnum, IsOptional, IsString, MaxLength } from 'class-validator';
import { HostStatus } from '../models/host.model.js';

@InputType({ description: 'Hosts with every label given (`key` or `key=value`) and, if given, this status.' })
export class HostFilter {
  @Field(() => [String], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @MaxLength(256, { each: true })
  labels?: string[];

  @Field(() => HostStatus, { nullable: true })
  @IsOptional()
  @IsEnum(HostStatus)
  status?: HostStatus;
}
