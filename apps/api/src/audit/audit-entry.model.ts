import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';
import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import { PageInfo } from '../common/page-info.model.js';
import { PageInfoDto } from '../images/rest/image.dto.js';

@ObjectType({ description: 'A change made through the service.' })
export class AuditEntry {
  @Field(() => ID)
  @ApiProperty()
  id!: string;

  @Field(() => DateTimeResolver)
  @ApiProperty({ type: String, format: 'date-time' })
  time!: Date;

  @Field({
    description:
      'The GraphQL mutation or REST operation, e.g. tagImage, removeImage, pruneImages, pullImage.',
  })
  @ApiProperty({ example: 'tagImage' })
  operation!: string;

  @Field(() => JSONResolver, { description: 'Arguments as given, credentials removed.' })
  @ApiProperty({ type: 'object', additionalProperties: true })
  arguments!: Record<string, unknown>;

  @Field({ description: 'Role and a short fingerprint of the token, never the token.' })
  @ApiProperty({ example: 'write:0123456789ab' })
  caller!: string;

  @Field({ description: 'ok or error' })
  @ApiProperty({ enum: ['ok', 'error'] })
  outcome!: string;

  @Field(() => String, { nullable: true })
  @ApiProperty({ type: String, nullable: true })
  errorCode!: string | null;
}

@ObjectType()
export class AuditConnection {
  @Field(() => Int)
  @ApiProperty()
  totalCount!: number;

  @Field(() => [AuditEntry])
  @ApiProperty({ type: [AuditEntry] })
  nodes!: AuditEntry[];

  @Field(() => PageInfo)
  @ApiProperty({ type: PageInfoDto })
  pageInfo!: PageInfo;
}
