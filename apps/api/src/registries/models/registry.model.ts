import { Field, Int, ObjectType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';
import { PageInfo } from '../../common/page-info.model.js';
import { PageInfoDto } from '../../images/rest/image.dto.js';

@ObjectType({ description: 'A registry Stevedore knows by name. Its credentials are never returned.' })
export class Registry {
  @Field({ description: 'Host name as it appears in references: docker.io, ghcr.io, 127.0.0.1:5000.' })
  @ApiProperty({ example: '127.0.0.1:5000' })
  name!: string;

  @Field({
    description: 'Where the name came from: CONFIG_FILE, DOCKER_CONFIG, API, or BUILT_IN for docker.io.',
  })
  @ApiProperty({ enum: ['API', 'CONFIG_FILE', 'DOCKER_CONFIG', 'BUILT_IN'] })
  source!: string;

  @Field({ description: 'Credentials are configured and the registry accepted them (or asked for none).' })
  @ApiProperty()
  authenticated!: boolean;

  @Field(() => Boolean, { nullable: true, description: 'Whether `GET /v2/` answered.' })
  @ApiProperty({ type: Boolean, nullable: true })
  reachable!: boolean | null;

  @Field({ description: 'Plain HTTP (loopback registries are always reached so).' })
  @ApiProperty()
  insecure!: boolean;
}

@ObjectType({
  description:
    "A registry's own rate limit as it reported it (Docker Hub's RateLimit-Limit and RateLimit-Remaining).",
})
export class RegistryRateLimit {
  @Field(() => Int)
  @ApiProperty()
  limit!: number;

  @Field(() => Int)
  @ApiProperty()
  remaining!: number;

  @Field(() => Int, { nullable: true, description: 'The window the limit counts over.' })
  @ApiProperty({ type: Number, nullable: true })
  windowSeconds!: number | null;
}

@ObjectType({ description: 'A repository of a registry, named as in references.' })
export class Repository {
  @Field({ description: 'Normalised name, registry included.' })
  @ApiProperty({ example: '127.0.0.1:5000/acme/app' })
  name!: string;
}

@ObjectType()
export class RepositoryConnection {
  @Field(() => [Repository])
  @ApiProperty({ type: [Repository] })
  nodes!: Repository[];

  @Field(() => PageInfo)
  @ApiProperty({ type: PageInfoDto })
  pageInfo!: PageInfo;

  @Field(() => RegistryRateLimit, {
    nullable: true,
    description: "The registry's rate limit, when it reports one.",
  })
  @ApiProperty({ type: RegistryRateLimit, nullable: true })
  rateLimit!: RegistryRateLimit | null;
}

@ObjectType({ description: 'A tag of a remote repository.' })
export class RemoteTag {
  @Field()
  @ApiProperty({ example: '1.0' })
  name!: string;

  /** The repository it belongs to, for the digest's lookup (not a field of its own). */
  repository!: string;
}

@ObjectType()
export class RemoteTagConnection {
  @Field(() => [RemoteTag])
  @ApiProperty({ type: [RemoteTag] })
  nodes!: RemoteTag[];

  @Field(() => PageInfo)
  @ApiProperty({ type: PageInfoDto })
  pageInfo!: PageInfo;

  @Field(() => RegistryRateLimit, {
    nullable: true,
    description: "The registry's rate limit, when it reports one.",
  })
  @ApiProperty({ type: RegistryRateLimit, nullable: true })
  rateLimit!: RegistryRateLimit | null;
}
