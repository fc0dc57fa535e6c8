import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { JOB_KINDS, JOB_STATES, type JobKind, type JobState } from '#libs/jobs';
import { PageArgs } from '../../common/page.args.js';
import { PageInfoDto } from '../../images/rest/image.dto.js';
import { HostProperty } from '../../fleet/host-property.decorator.js';

export class LayerProgressDto {
  @ApiProperty() id!: string;
  @ApiProperty() status!: string;
  @ApiProperty() current!: number;
  @ApiProperty() total!: number;
}

export class JobProgressDto {
  @ApiProperty({ minimum: 0, maximum: 100 }) percent!: number;
  @ApiProperty() currentBytes!: number;
  @ApiProperty() totalBytes!: number;
  @ApiProperty({ type: [LayerProgressDto] }) layers!: LayerProgressDto[];
  @ApiProperty({ type: String, nullable: true }) message!: string | null;
}

export class JobErrorDto {
  @ApiProperty({ example: 'MANIFEST_UNKNOWN' }) code!: string;
  @ApiProperty() message!: string;
}

export class JobDto {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: JOB_KINDS }) kind!: JobKind;
  @ApiProperty({ example: 'docker.io/library/nginx:1.27' }) ref!: string;
  @ApiPropertyOptional({ type: String, nullable: true, description: 'The Docker host whose queue holds it' })
  host?: string | null;
  @ApiProperty({ enum: JOB_STATES }) state!: JobState;
  @ApiProperty() attempts!: number;
  @ApiProperty({ type: JobProgressDto }) progress!: JobProgressDto;
  @ApiProperty({ type: JobErrorDto, nullable: true }) error!: JobErrorDto | null;
  @ApiProperty({ type: String, nullable: true }) imageId!: string | null;
  @ApiProperty({ type: String, nullable: true }) digest!: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: Date;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) startedAt!: Date | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) finishedAt!: Date | null;
  @ApiPropertyOptional({
    type: [String],
    description: "A fan-out's jobs, one id per selected host (GET /jobs/{id} each); absent for any other job",
  })
  children?: readonly string[];
}

export class JobListDto {
  @ApiProperty() totalCount!: number;
  @ApiProperty({ type: [JobDto] }) nodes!: JobDto[];
  @ApiProperty({ type: PageInfoDto }) pageInfo!: PageInfoDto;
}

/** GET /api/v1/jobs: the `jobs` operation's filter as flat query parameters. */
export class ListJobsQuery extends PageArgs {
  @HostProperty({ graphql: false })
  host?: string;

  @ApiPropertyOptional({ enum: JOB_STATES })
  @IsOptional()
  @IsIn(JOB_STATES)
  state?: JobState;

  @ApiPropertyOptional({ enum: JOB_KINDS })
  @IsOptional()
  @IsIn(JOB_KINDS)
  kind?: JobKind;

  @ApiPropertyOptional({ description: 'A reference, matched after normalisation' })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  ref?: string;
}
