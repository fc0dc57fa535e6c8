import { ArgsType, Field, Int } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min, ValidateNested } from 'class-validator';
import { HostFilter } from './host-filter.input.js';

@ArgsType()
export class HostsArgs {
  @Field(() => HostFilter, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => HostFilter)
  filter?: HostFilter;

  @Field(() => Int, { nullable: true, description: 'At most this many hosts, by name (default: all).' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100_000)
  first?: number;
}
