import { Field, InputType, registerEnumType } from '@nestjs/graphql';
import { IsIn } from 'class-validator';
import {
  IMAGE_ORDER_FIELDS,
  ORDER_DIRECTIONS,
  type ImageOrderField as ImageOrderFieldName,
  type OrderDirection as OrderDirectionName,
} from '#libs/catalogue';

/** GraphQL enums whose values are the catalogue's own names, so no mapping is needed. */
export const ImageOrderField = Object.fromEntries(IMAGE_ORDER_FIELDS.map((field) => [field, field])) as {
  [K in ImageOrderFieldName]: K;
};
export const OrderDirection = Object.fromEntries(
  ORDER_DIRECTIONS.map((direction) => [direction, direction]),
) as {
  [K in OrderDirectionName]: K;
};
registerEnumType(ImageOrderField, { name: 'ImageOrderField' });
registerEnumType(OrderDirection, { name: 'OrderDirection' });

@InputType('ImageOrder')
export class ImageOrderInput {
  @Field(() => ImageOrderField)
  @IsIn(IMAGE_ORDER_FIELDS)
  field!: ImageOrderFieldName;

  @Field(() => OrderDirection)
  @IsIn(ORDER_DIRECTIONS)
  direction!: OrderDirectionName;
}
