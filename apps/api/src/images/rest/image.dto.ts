import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class TagDto {
  @ApiProperty({ example: 'docker.io/library/nginx:1.27' }) reference!: string;
  @ApiProperty({ example: 'nginx:1.27' }) familiar!: string;
  @ApiProperty({ example: 'docker.io' }) registry!: string;
  @ApiProperty({ example: 'library/nginx' }) repository!: string;
  @ApiProperty({ example: '1.27' }) tag!: string;
}

export class ImageConfigDto {
  @ApiProperty({ type: [String], nullable: true }) cmd!: string[] | null;
  @ApiProperty({ type: [String], nullable: true }) entrypoint!: string[] | null;
  @ApiProperty({ type: [String] }) env!: string[];
  @ApiProperty({ type: String, nullable: true }) workingDir!: string | null;
  @ApiProperty({ type: String, nullable: true }) user!: string | null;
  @ApiProperty({ type: [String], example: ['80/tcp'] }) exposedPorts!: string[];
  @ApiProperty({ type: [String] }) volumes!: string[];
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) labels!: Record<string, string>;
}

export class ImageDto {
  @ApiProperty({ example: 'sha256:…' }) id!: string;
  @ApiProperty() shortId!: string;
  @ApiProperty({ type: [String] }) repoTags!: string[];
  @ApiProperty({ type: [String] }) repoDigests!: string[];
  @ApiProperty({ type: [TagDto] }) tags!: TagDto[];
  @ApiProperty() dangling!: boolean;
  @ApiProperty() official!: boolean;
  @ApiProperty({ format: 'date-time' }) created!: string;
  @ApiProperty({ description: 'Bytes' }) size!: number;
  @ApiProperty({ description: 'Bytes of its layers that other local images also hold (docker system df -v)' })
  sharedSize!: number;
  @ApiProperty({ description: 'size - sharedSize' }) uniqueSize!: number;
  @ApiProperty() architecture!: string;
  @ApiProperty() os!: string;
  @ApiPropertyOptional({ type: String, nullable: true }) variant!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) labels!: Record<string, string>;
  @ApiProperty({ type: ImageConfigDto }) config!: ImageConfigDto;
}

export class PageInfoDto {
  @ApiProperty() hasNextPage!: boolean;
  @ApiProperty({ type: String, nullable: true }) endCursor!: string | null;
}

export class ImageListDto {
  @ApiProperty() totalCount!: number;
  @ApiProperty({ type: [ImageDto] }) nodes!: ImageDto[];
  @ApiProperty({ type: PageInfoDto }) pageInfo!: PageInfoDto;
}

export class LayerDto {
  @ApiProperty({ description: 'Uncompressed content digest' }) diffId!: string;
  @ApiProperty({ description: "diffId for the base, else sha256(parentChainId + ' ' + diffId)" })
  chainId!: string;
  @ApiProperty({ description: '0 for the base layer' }) position!: number;
  @ApiProperty({ description: 'Bytes' }) size!: number;
  @ApiProperty({ type: String, nullable: true }) createdBy!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) created!: string | null;
  @ApiProperty({ description: 'Local images whose chain holds the layer' }) sharedBy!: number;
  @ApiProperty({ type: [String], description: 'Ids of those images, newest first' }) images!: string[];
}

export class LayerListDto {
  @ApiProperty() totalCount!: number;
  @ApiProperty({ type: [LayerDto] }) nodes!: LayerDto[];
  @ApiProperty({ type: PageInfoDto }) pageInfo!: PageInfoDto;
}

export class HistoryEntryDto {
  @ApiProperty({ description: 'Image id of the step, or <missing>' }) id!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) created!: string | null;
  @ApiProperty() createdBy!: string;
  @ApiProperty({ description: 'Bytes' }) size!: number;
  @ApiProperty() comment!: string;
  @ApiProperty() emptyLayer!: boolean;
  @ApiProperty({ type: [String] }) tags!: string[];
}

export class DiskUsageDto {
  @ApiProperty() imagesCount!: number;
  @ApiProperty() activeCount!: number;
  @ApiProperty({ description: 'Bytes' }) totalSize!: number;
  @ApiProperty({ description: 'Bytes' }) reclaimableSize!: number;
}
