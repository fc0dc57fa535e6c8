import { Field, Int, ObjectType } from '@nestjs/graphql';
import { PageInfo } from '../../common/page-info.model.js';
import { Layer } from './layer.model.js';

@ObjectType()
export class LayerConnection {
  @Field(() => Int)
  totalCount!: number;

  @Field(() => [Layer])
  nodes!: Layer[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}
