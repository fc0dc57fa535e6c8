import { Field, Int, ObjectType } from '@nestjs/graphql';
import { PageInfo } from '../../common/page-info.model.js';
import { Job } from './job.model.js';

@ObjectType()
export class JobConnection {
  @Field(() => Int)
  totalCount!: number;

  @Field(() => [Job])
  nodes!: Job[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}
