import { Inject } from '@nestjs/common';
import { Args, ArgsType, Field, Int, Query, Resolver } from '@nestjs/graphql';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { AUDIT_LOG, type AuditLog } from '#libs/audit';
import { RequiresRole } from '#libs/auth';
import { MAX_PAGE_SIZE } from '#libs/catalogue';
import { AuditConnection, AuditEntry } from './audit-entry.model.js';

@ArgsType()
export class AuditLogArgs {
  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  operation?: string;

  @Field(() => Int, { nullable: true, defaultValue: 50 })
  @IsInt()
  @Min(0)
  @Max(MAX_PAGE_SIZE)
  first: number = 50;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsString()
  after?: string;
}

@Resolver(() => AuditEntry)
export class AuditResolver {
  constructor(@Inject(AUDIT_LOG) private readonly audit: AuditLog) {}

  @Query(() => AuditConnection, {
    description: 'Every change made through the service, newest first (admin role).',
  })
  @RequiresRole('admin')
  async auditLog(@Args() args: AuditLogArgs): Promise<AuditConnection> {
    const page = await this.audit.list(args);
    return {
      totalCount: page.totalCount,
      nodes: page.nodes.map((entry) => ({ ...entry, arguments: { ...entry.arguments } })),
      pageInfo: { ...page.pageInfo },
    };
  }
}
