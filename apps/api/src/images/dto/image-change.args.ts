import { ArgsType, Field } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsDate,
  IsInt,
  IsOptional,
  IsString,
  MaxLength,
} from 'class-validator';
import { DateTimeResolver } from 'graphql-scalars';
import { toBoolean } from '../../common/query-values.js';
import type { HostSelectorInput } from '../../fleet/dto/host-selector.input.js';
import {
  HostsProperty,
  MaxParallelProperty,
  RepeatedQueryProperty,
} from '../../fleet/host-property.decorator.js';

/** How `removeImage` removes: GraphQL arguments, or the query of DELETE /api/v1/images/{ref}. */
@ArgsType()
export class RemoveImageOptions {
  @Field(() => Boolean, { nullable: true, defaultValue: false })
  @ApiPropertyOptional({ default: false })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  force: boolean = false;

  @Field(() => Boolean, { nullable: true, defaultValue: false })
  @ApiPropertyOptional({
    default: false,
    description: 'remove the stopped containers that use the image first',
  })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  removeContainers: boolean = false;

  @Field(() => Boolean, { nullable: true, defaultValue: true })
  @ApiPropertyOptional({ default: true, description: 'also delete untagged parents' })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  prune: boolean = true;
}

/** GraphQL names the image among the arguments; REST in the path. */
@ArgsType()
export class RemoveImageArgs extends RemoveImageOptions {
  @Field()
  @IsString()
  @MaxLength(1024)
  ref!: string;

  @HostsProperty(
    'Several hosts instead of one: a fan-out job with one child per host; the report merges the hosts done, its job tells each.',
  )
  hosts?: HostSelectorInput;

  @MaxParallelProperty()
  maxParallel?: number;
}

/** DELETE /api/v1/images/{ref} over several hosts: the selector and maxParallel as query parameters. */
export class RemoveFanOutQuery {
  @RepeatedQueryProperty('a host to remove it from; repeat for several', 63)
  hostName?: string[];

  @RepeatedQueryProperty('every host with this label (key or key=value); repeat for several', 256)
  hostLabel?: string[];

  @ApiPropertyOptional({
    minimum: 1,
    description: 'with hostName or hostLabel: at most this many hosts at a time',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  maxParallel?: number;
}

@ArgsType()
export class PruneImagesArgs {
  @Field(() => Boolean, { nullable: true, defaultValue: false })
  @ApiPropertyOptional({
    default: false,
    description: 'every image without a container, not only dangling ones',
  })
  @IsOptional()
  @IsBoolean()
  all: boolean = false;

  @Field(() => DateTimeResolver, { nullable: true })
  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'only images created before' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  until?: Date;

  @Field(() => [String], { nullable: true })
  @ApiPropertyOptional({ type: [String], description: 'key or key=value; all must match' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(32)
  @IsString({ each: true })
  @MaxLength(512, { each: true })
  labels?: string[];

  @Field(() => Boolean, { nullable: true, defaultValue: false })
  @ApiPropertyOptional({ default: false, description: 'report what would be deleted, deleting nothing' })
  @IsOptional()
  @IsBoolean()
  dryRun: boolean = false;
}

/** REST body of POST /api/v1/images/{ref}/tags and /rename. */
export class TagTargetBody {
  @ApiProperty({ example: 'acme/app:2', description: 'name[:tag]; the tag defaults to latest' })
  @IsString()
  @MaxLength(1024)
  target!: string;
}
