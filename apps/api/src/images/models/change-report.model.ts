import { Field, ObjectType } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Job } from '../../jobs/models/job.model.js';
import { JobDto } from '../../jobs/rest/job.dto.js';
import { SafeIntResolver } from 'graphql-scalars';

@ObjectType({ description: 'What `docker image rm` (or an untag) did.' })
export class RemovalReport {
  @Field(() => [String])
  @ApiProperty({ type: [String], description: 'References removed' })
  untagged!: string[];

  @Field(() => [String])
  @ApiProperty({ type: [String], description: 'Image ids and layer chain ids deleted' })
  deleted!: string[];

  @Field(() => [String])
  @ApiProperty({ type: [String], description: 'Stopped containers removed first (removeContainers)' })
  removedContainers!: string[];

  @Field(() => Job, {
    nullable: true,
    description: 'A removal over several hosts: its fan-out job, whose children tell how each host fared.',
  })
  @ApiPropertyOptional({ type: JobDto, description: 'A removal over several hosts: its fan-out job' })
  job?: Job | null;
}

@ObjectType({ description: 'What `docker image prune` deleted (or, in a dry run, would delete).' })
export class PruneReport {
  @Field(() => [String])
  @ApiProperty({ type: [String], description: 'Image ids and layer chain ids' })
  deleted!: string[];

  @Field(() => SafeIntResolver)
  @ApiProperty({ description: 'Bytes' })
  spaceReclaimed!: number;
}
