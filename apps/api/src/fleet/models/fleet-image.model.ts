import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import { SafeIntResolver } from 'graphql-scalars';
import { PageInfo } from '../../common/page-info.model.js';
import { HostImage } from './host-image.model.js';

@ObjectType({ description: 'One image (one id) across the hosts of the fleet that hold it.' })
export class FleetImage {
  @Field(() => ID, { description: 'The image id, `sha256:…`: the same content on every host.' })
  id!: string;

  @Field(() => [String], { description: 'Every reference any of the hosts gives it, sorted.' })
  repoTags!: string[];

  @Field(() => [String])
  repoDigests!: string[];

  @Field(() => SafeIntResolver, { description: 'Bytes, as `docker image ls` shows them.' })
  size!: number;

  @Field(() => Int)
  hostCount!: number;

  @Field(() => [HostImage], {
    description: 'Each host holding it, by name, with the image as that host holds it.',
  })
  hosts!: HostImage[];
}

@ObjectType()
export class FleetImageConnection {
  @Field(() => Int)
  totalCount!: number;

  @Field(() => [FleetImage])
  nodes!: FleetImage[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}
