import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsArray, IsBoolean, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import {
  IMAGE_ORDER_FIELDS,
  ORDER_DIRECTIONS,
  type ImageOrderField,
  type OrderDirection,
} from '#libs/catalogue';
import { PageArgs } from '../../common/page.args.js';
import { toBoolean, toList } from '../../common/query-values.js';

/** GET /api/v1/images: the `images` operation's filter and order as flat query parameters. */
export class ListImagesQuery extends PageArgs {
  @ApiPropertyOptional({ description: "Glob over familiar references, e.g. 'acme/*:1.*'" })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  reference?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  dangling?: boolean;

  @ApiPropertyOptional({ type: [String], description: 'key or key=value; repeat the parameter for several' })
  @IsOptional()
  @Transform(toList)
  @IsArray()
  @IsString({ each: true })
  label?: string[];

  @ApiPropertyOptional()
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  official?: boolean;

  @ApiPropertyOptional({ description: 'Include intermediate images (docker image ls -a)' })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  all?: boolean;

  @ApiPropertyOptional({ enum: IMAGE_ORDER_FIELDS, default: 'CREATED' })
  @IsOptional()
  @IsIn(IMAGE_ORDER_FIELDS)
  orderBy?: ImageOrderField;

  @ApiPropertyOptional({
    enum: ORDER_DIRECTIONS,
    description: 'DESC by default for CREATED and SIZE, ASC for REFERENCE',
  })
  @IsOptional()
  @IsIn(ORDER_DIRECTIONS)
  direction?: OrderDirection;
}
