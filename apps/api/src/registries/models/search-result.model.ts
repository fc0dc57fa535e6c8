import { Field, Int, ObjectType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';

@ObjectType({ description: 'A repository an index found, as docker search lists it.' })
export class SearchResult {
  @Field()
  @ApiProperty({ example: 'nginx' })
  name!: string;

  @Field(() => String, { nullable: true })
  @ApiProperty({ type: String, nullable: true })
  description!: string | null;

  @Field(() => Int)
  @ApiProperty()
  stars!: number;

  @Field()
  @ApiProperty()
  official!: boolean;

  @Field()
  @ApiProperty()
  automated!: boolean;
}
