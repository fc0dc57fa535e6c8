import { Field, ObjectType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';
import { DateTimeResolver, JSONResolver, SafeIntResolver } from 'graphql-scalars';
import { RegistryRateLimit } from './registry.model.js';

@ObjectType()
export class Platform {
  @Field()
  @ApiProperty({ example: 'linux' })
  os!: string;

  @Field()
  @ApiProperty({ example: 'amd64' })
  architecture!: string;

  @Field(() => String, { nullable: true })
  @ApiProperty({ type: String, nullable: true, example: 'v8' })
  variant!: string | null;
}

@ObjectType({ description: 'A layer as the registry stores it: compressed, by digest.' })
export class RemoteLayer {
  @Field()
  @ApiProperty()
  digest!: string;

  @Field()
  @ApiProperty()
  mediaType!: string;

  @Field(() => SafeIntResolver, { description: 'Compressed size in bytes.' })
  @ApiProperty()
  size!: number;
}

@ObjectType({ description: 'What a registry holds for a reference, read without pulling.' })
export class RemoteImage {
  @Field()
  @ApiProperty({ example: '127.0.0.1:5000/acme/app:1.0' })
  reference!: string;

  @Field({
    description: 'The digest the reference resolves to: the index digest for a multi-platform image.',
  })
  @ApiProperty()
  digest!: string;

  @Field()
  @ApiProperty()
  mediaType!: string;

  @Field(() => [Platform], {
    description: 'Every platform of an index; one entry for a single-platform manifest.',
  })
  @ApiProperty({ type: [Platform] })
  platforms!: Platform[];

  @Field(() => Platform, { description: 'The platform the fields below describe.' })
  @ApiProperty({ type: Platform })
  platform!: Platform;

  @Field(() => SafeIntResolver, {
    nullable: true,
    description: 'For the default platform, from its config blob: config and layers, compressed.',
  })
  @ApiProperty({ type: Number, nullable: true })
  size!: number | null;

  @Field(() => DateTimeResolver, { nullable: true })
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  created!: Date | null;

  @Field(() => JSONResolver, { nullable: true })
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, nullable: true })
  labels!: Record<string, string> | null;

  @Field(() => [RemoteLayer], { description: 'The layers of the default platform, base first.' })
  @ApiProperty({ type: [RemoteLayer] })
  layers!: RemoteLayer[];

  @Field(() => RegistryRateLimit, {
    nullable: true,
    description: "The registry's rate limit, when it reports one.",
  })
  @ApiProperty({ type: RegistryRateLimit, nullable: true })
  rateLimit!: RegistryRateLimit | null;
}
