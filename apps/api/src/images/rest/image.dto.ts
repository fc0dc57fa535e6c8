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
