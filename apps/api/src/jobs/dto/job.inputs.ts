import { ArgsType, Field, InputType } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import {
  JOB_KINDS,
  JOB_STATES,
  type JobKind as JobKindName,
  type JobState as JobStateName,
} from '#libs/jobs';
import { PageArgs } from '../../common/page.args.js';
import { JobKind, JobState } from '../models/job.model.js';
import { HostProperty, HostsProperty, MaxParallelProperty } from '../../fleet/host-property.decorator.js';
import { HostSelectorInput } from '../../fleet/dto/host-selector.input.js';

/** `hosts` and `maxParallel` of a change that may fan out. */
@InputType({ isAbstract: true })
abstract class FanOutInput {
  @HostsProperty('Several hosts instead of one: a parent job with one child per host (instead of host).')
  hosts?: HostSelectorInput;

  @MaxParallelProperty()
  maxParallel?: number;
}

/** Lengths are checked in depth by the registry-auth library; these bound what reaches it. */
const CREDENTIAL_MAX = 16_384;

@InputType('RegistryAuthInput')
export class RegistryAuthInput {
  @Field(() => String, { nullable: true })
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(CREDENTIAL_MAX)
  username?: string;

  @Field(() => String, { nullable: true })
  @ApiPropertyOptional({ format: 'password' })
  @IsOptional()
  @IsString()
  @MaxLength(CREDENTIAL_MAX)
  password?: string;

  @Field(() => String, { nullable: true })
  @ApiPropertyOptional({ format: 'password' })
  @IsOptional()
  @IsString()
  @MaxLength(CREDENTIAL_MAX)
  identityToken?: string;
}

@InputType('PullImageInput')
export class PullImageInput extends FanOutInput {
  @Field()
  @ApiProperty({
    example: '127.0.0.1:5000/acme/app:1',
    description: 'name[:tag] or name@digest; tag defaults to latest',
  })
  @IsString()
  @MaxLength(1024)
  ref!: string;

  @Field(() => String, { nullable: true })
  @ApiPropertyOptional({ example: 'linux/arm64', description: 'os/arch[/variant]' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  platform?: string;

  @HostProperty({ graphql: true })
  host?: string;

  @Field(() => RegistryAuthInput, { nullable: true })
  @ApiPropertyOptional({ type: RegistryAuthInput })
  @IsOptional()
  @ValidateNested()
  @Type(() => RegistryAuthInput)
  auth?: RegistryAuthInput;
}

@InputType('PushImageInput')
export class PushImageInput extends FanOutInput {
  @Field()
  @ApiProperty({ example: '127.0.0.1:5000/acme/app:1' })
  @IsString()
  @MaxLength(1024)
  ref!: string;

  @Field(() => Boolean, { nullable: true, defaultValue: false })
  @ApiPropertyOptional({ default: false, description: 'push every local tag of the repository' })
  @IsOptional()
  @IsBoolean()
  allTags?: boolean;

  @HostProperty({ graphql: true })
  host?: string;

  @Field(() => RegistryAuthInput, { nullable: true })
  @ApiPropertyOptional({ type: RegistryAuthInput })
  @IsOptional()
  @ValidateNested()
  @Type(() => RegistryAuthInput)
  auth?: RegistryAuthInput;
}

@InputType('JobFilter')
export class JobFilterInput {
  @Field(() => JobState, { nullable: true })
  @IsOptional()
  @IsIn(JOB_STATES)
  state?: JobStateName;

  @Field(() => JobKind, { nullable: true })
  @IsOptional()
  @IsIn(JOB_KINDS)
  kind?: JobKindName;

  @Field(() => String, { nullable: true, description: 'A reference, matched after normalisation.' })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  ref?: string;
}

@ArgsType()
export class JobsArgs extends PageArgs {
  @Field(() => JobFilterInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => JobFilterInput)
  filter?: JobFilterInput;
}

/** `copyImage`'s arguments: GraphQL's, and the REST body's. */
@ArgsType()
export class CopyImageArgs {
  @Field()
  @ApiProperty({ example: '127.0.0.1:5000/acme/app:1', description: 'name[:tag] or name@digest' })
  @IsString()
  @MaxLength(1024)
  source!: string;

  @Field()
  @ApiProperty({ example: 'registry.example.com/acme/app:1', description: 'name[:tag] or name@digest' })
  @IsString()
  @MaxLength(1024)
  target!: string;

  @Field(() => [String], {
    nullable: true,
    description: 'os/arch[/variant] of an index to copy; all by default.',
  })
  @ApiPropertyOptional({ type: [String], example: ['linux/amd64'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(64)
  @IsString({ each: true })
  @MaxLength(64, { each: true })
  platforms?: string[];

  @Field(() => RegistryAuthInput, { nullable: true, description: "The source registry's credentials." })
  @ApiPropertyOptional({ type: RegistryAuthInput })
  @IsOptional()
  @ValidateNested()
  @Type(() => RegistryAuthInput)
  auth?: RegistryAuthInput;

  @Field(() => RegistryAuthInput, { nullable: true, description: "The target registry's credentials." })
  @ApiPropertyOptional({ type: RegistryAuthInput })
  @IsOptional()
  @ValidateNested()
  @Type(() => RegistryAuthInput)
  targetAuth?: RegistryAuthInput;
}
