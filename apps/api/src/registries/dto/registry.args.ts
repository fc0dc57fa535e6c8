import { ArgsType, Field, InputType, Int } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsInt,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { MAX_PAGE_SIZE } from '#libs/pagination';
import { CREDENTIAL_FIELD_MAX_LENGTH } from '#libs/registry-auth';
import { toBoolean } from '../../common/query-values.js';

/** A page of a registry's names (repositories, tags): 100 by default, as the contract says. */
@ArgsType()
export class NamePageArgs {
  @Field(() => Int, { nullable: true, defaultValue: 100 })
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE, default: 100, description: 'page size' })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  first: number = 100;

  @Field(() => String, { nullable: true })
  @ApiPropertyOptional({ description: 'endCursor of the previous page' })
  @IsOptional()
  @IsString()
  after?: string;
}

@ArgsType()
export class RegistryNameArgs {
  @Field({ description: 'As in references: docker.io, ghcr.io, 127.0.0.1:5000.' })
  @IsString()
  @MinLength(1)
  @MaxLength(255)
  name!: string;
}

@ArgsType()
export class RepositoryArgs {
  @Field({ description: 'A repository as in references, without tag or digest: nginx, 127.0.0.1:5000/app.' })
  @IsString()
  @MaxLength(512)
  ref!: string;
}

@ArgsType()
export class RemoteImageArgs {
  @Field({ description: 'An image reference: a tag or a digest.' })
  @ApiProperty({ description: 'An image reference: a tag or a digest.' })
  @IsString()
  @MaxLength(512)
  ref!: string;

  @Field(() => String, { nullable: true, description: "os/architecture[/variant]; the daemon's by default." })
  @ApiPropertyOptional({ description: "os/architecture[/variant]; the daemon's by default." })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  platform?: string;
}

@InputType('AddRegistryInput')
export class AddRegistryInput {
  @Field()
  @ApiProperty({ description: 'As in references: registry.example.com, 127.0.0.1:5000.' })
  @IsString()
  @MinLength(1)
  @MaxLength(255)
  name!: string;

  @Field(() => String, { nullable: true })
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(CREDENTIAL_FIELD_MAX_LENGTH)
  username?: string;

  @Field(() => String, { nullable: true })
  @ApiPropertyOptional({ writeOnly: true })
  @IsOptional()
  @IsString()
  @MaxLength(CREDENTIAL_FIELD_MAX_LENGTH)
  password?: string;

  @Field(() => String, { nullable: true })
  @ApiPropertyOptional({ writeOnly: true })
  @IsOptional()
  @IsString()
  @MaxLength(CREDENTIAL_FIELD_MAX_LENGTH)
  identityToken?: string;

  @Field(() => Boolean, { nullable: true, defaultValue: false })
  @ApiPropertyOptional({ default: false, description: 'Reach it over plain HTTP.' })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  insecure: boolean = false;
}

@ArgsType()
export class AddRegistryArgs {
  @Field(() => AddRegistryInput)
  @ValidateNested()
  @Type(() => AddRegistryInput)
  input!: AddRegistryInput;
}
