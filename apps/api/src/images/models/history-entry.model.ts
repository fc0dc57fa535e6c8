import { Field, ObjectType } from '@nestjs/graphql';
import { DateTimeResolver, SafeIntResolver } from 'graphql-scalars';

@ObjectType({ description: 'A row of `docker image history --no-trunc`.' })
export class HistoryEntry {
  @Field({ description: 'Image id of the step, or <missing> as docker prints it.' })
  id!: string;

  @Field(() => DateTimeResolver, { nullable: true })
  created!: Date | null;

  @Field()
  createdBy!: string;

  @Field(() => SafeIntResolver)
  size!: number;

  @Field(() => String, { nullable: true })
  comment!: string | null;

  @Field()
  emptyLayer!: boolean;

  @Field(() => [String])
  tags!: string[];
}
