import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';

/** `?host=`: the Docker host a REST read is about; may be left out when there is only one. */
export class HostQuery {
  @ApiPropertyOptional({
    description: 'The Docker host (GET /api/v1/hosts); may be left out when there is only one',
  })
  @IsOptional()
  @IsString()
  @MaxLength(63)
  host?: string;
}
