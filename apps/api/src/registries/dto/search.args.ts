import { ArgsType, Field, InputType, Int } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { toBoolean } from '../../common/query-values.js';

/** The daemon returns at most 100 results. */
export const MAX_SEARCH_RESULTS = 100;

@InputType('SearchFilter')
export class SearchFilter {
  @Field(() => Boolean, {
    nullable: true,
    description: 'Official images only (true), or none of them (false).',
  })
  @ApiPropertyOptional({ description: 'Official images only (true), or none of them (false).' })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  official?: boolean;

  @Field(() => Int, { nullable: true, description: 'At least this many stars.' })
  @ApiPropertyOptional({ minimum: 0, description: 'At least this many stars.' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  minStars?: number;
}

@ArgsType()
export class SearchImagesArgs {
  @Field({ description: 'What to look for, as docker search takes it: nginx, acme/app.' })
  @ApiProperty({ example: 'nginx' })
  @IsString()
  @MaxLength(255)
  @Matches(/^[^\s/][^\s]*$/, { message: 'term must be one word, not starting with /' })
  term!: string;

  @Field(() => String, { nullable: true, description: 'The index to search; Docker Hub by default.' })
  @ApiPropertyOptional({ description: 'The index to search; Docker Hub by default.' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  registry?: string;

  @Field(() => SearchFilter, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => SearchFilter)
  filter?: SearchFilter;

  @Field(() => Int, { nullable: true, defaultValue: 25 })
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_SEARCH_RESULTS, default: 25 })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_SEARCH_RESULTS)
  first: number = 25;
}
