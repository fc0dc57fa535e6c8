import { ArgsType, Field } from '@nestjs/graphql';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { PageArgs } from '../common/page.args.js';

/** The `auditLog` operation's input, as GraphQL arguments or REST query parameters. */
@ArgsType()
export class AuditLogArgs extends PageArgs {
  @Field(() => String, { nullable: true })
  @ApiPropertyOptional({ example: 'removeImage' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  operation?: string;
}
