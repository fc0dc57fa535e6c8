import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsArray, IsBoolean, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import {
  IMAGE_ORDER_FIELDS,
  ORDER_DIRECTIONS,
  type ImageOrderField,
  type OrderDirection,
} from '#libs/catalogue';
import { PageQuery } from '../../common/page.args.js';

/** Query parameters arrive as strings; these turn `true`/`false` into booleans and reject the rest. */
const toBoolean = ({ value }: { value: unknown }) =>
  value === 'true' ? true : value === 'false' ? false : value;
const toList = ({ value }: { value: unknown }) => (typeof value === 'string' ? [value] : value);

export class ListImagesQuery extends PageQuery {
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

/** Layers: 100 to a page unless `first` says otherwise. */
export class ListLayersQuery extends PageQuery {}
