import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { DiskUsageDto, ImageDto, PageInfoDto } from '../../images/rest/image.dto.js';
import { PageArgs } from '../../common/page.args.js';
import { RepeatedQueryProperty } from '../host-property.decorator.js';

const STATUSES = ['ONLINE', 'DEGRADED', 'OFFLINE'] as const;

export class EngineInfoDto {
  @ApiProperty({ example: '28.0.4' }) version!: string;
  @ApiProperty({ example: '1.48' }) apiVersion!: string;
  @ApiProperty({ example: 'linux' }) os!: string;
  @ApiProperty({ example: 'amd64' }) architecture!: string;
  @ApiProperty({ type: Number, nullable: true }) cpus!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Bytes' }) memory!: number | null;
}

export class HostDto {
  @ApiProperty({ example: 'edge-1' }) name!: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) labels!: Record<string, string>;
  @ApiProperty({ enum: STATUSES }) status!: (typeof STATUSES)[number];
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastSeen!: string | null;
  @ApiProperty({ type: EngineInfoDto, nullable: true }) engine!: EngineInfoDto | null;
  @ApiProperty() imageCount!: number;
  @ApiProperty({ type: DiskUsageDto, nullable: true }) diskUsage!: DiskUsageDto | null;
  @ApiProperty({
    description: 'The catalogue shown is the last one the agent published, which may be behind',
  })
  stale!: boolean;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) asOf!: string | null;
}

export class HostImageDto {
  @ApiProperty({ type: HostDto }) host!: HostDto;
  @ApiProperty({ type: ImageDto }) image!: ImageDto;
}

export class FleetImageDto {
  @ApiProperty({ example: 'sha256:…' }) id!: string;
  @ApiProperty({ type: [String] }) repoTags!: string[];
  @ApiProperty({ type: [String] }) repoDigests!: string[];
  @ApiProperty() size!: number;
  @ApiProperty() hostCount!: number;
  @ApiProperty({ type: [HostImageDto] }) hosts!: HostImageDto[];
}

export class FleetImageListDto {
  @ApiProperty() totalCount!: number;
  @ApiProperty({ type: [FleetImageDto] }) nodes!: FleetImageDto[];
  @ApiProperty({ type: PageInfoDto }) pageInfo!: PageInfoDto;
}

/** GET /api/v1/fleet-images: the `fleetImages` operation's filter and page as query parameters. */
export class FleetImagesQuery extends PageArgs {
  @ApiPropertyOptional({ description: "Glob over familiar references, like docker image ls 'acme/*:1.*'" })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  reference?: string;

  @RepeatedQueryProperty('Host label, key or key=value; repeat for several', 256)
  hostLabel?: string[];
}

/** GET /api/v1/hosts: the `hosts` operation's filter as query parameters. */
export class ListHostsQuery {
  @RepeatedQueryProperty('key or key=value; repeat the parameter for several', 256)
  label?: string[];

  @ApiPropertyOptional({ enum: STATUSES })
  @IsOptional()
  @IsIn(STATUSES)
  status?: (typeof STATUSES)[number];

  @ApiPropertyOptional({ minimum: 0, maximum: 100_000, description: 'At most this many hosts, by name' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(100_000)
  first?: number;
}

export class ImageEverywhereQuery {
  @ApiProperty({ description: 'name[:tag], name@digest, full id or unique id prefix', example: 'nginx:1.27' })
  @IsString()
  @MaxLength(512)
  ref!: string;
}
