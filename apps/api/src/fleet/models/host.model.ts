import { Field, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { DateTimeResolver, JSONResolver, SafeIntResolver } from 'graphql-scalars';
import type { HostStatus as HostStatusName } from '#libs/fleet';
import { DiskUsage } from '../../images/models/disk-usage.model.js';

export enum HostStatus {
  ONLINE = 'ONLINE',
  OFFLINE = 'OFFLINE',
  DEGRADED = 'DEGRADED',
}

registerEnumType(HostStatus, {
  name: 'HostStatus',
  description:
    "A host's agent: heard from and reaching its daemon, away past its deadline, or up with its daemon down.",
  valuesMap: {
    ONLINE: { description: 'The agent heartbeats and reaches its Docker daemon.' },
    OFFLINE: {
      description: 'The agent has not been heard from within the deadline (FLEET_OFFLINE_SECONDS).',
    },
    DEGRADED: { description: 'The agent heartbeats, but its Docker daemon does not answer it.' },
  },
});

/** Checks at compile time that both names of the statuses agree. */
export const HOST_STATUSES: Record<HostStatusName, HostStatus> = HostStatus;

@ObjectType({
  description: 'What the Docker engine of a host says of itself (`docker version`, `docker info`).',
})
export class EngineInfo {
  @Field()
  version!: string;

  @Field()
  apiVersion!: string;

  @Field()
  os!: string;

  @Field()
  architecture!: string;

  @Field(() => Int, { nullable: true })
  cpus!: number | null;

  @Field(() => SafeIntResolver, { nullable: true, description: 'Bytes of memory.' })
  memory!: number | null;
}

@ObjectType({ description: 'A Docker host of the fleet: its agent, its engine, and its images.' })
export class Host {
  @Field()
  name!: string;

  @Field(() => JSONResolver, {
    nullable: true,
    description: 'Labels its agent registered (STEVEDORE_HOST_LABELS).',
  })
  labels!: Record<string, string>;

  @Field(() => HostStatus)
  status!: HostStatus;

  @Field(() => DateTimeResolver, { nullable: true, description: "The agent's last heartbeat." })
  lastSeen!: Date | null;

  @Field(() => EngineInfo, { nullable: true })
  engine!: EngineInfo | null;

  @Field(() => Int, { description: 'Images `docker image ls` lists there (as of asOf).' })
  imageCount!: number;

  @Field(() => DiskUsage, { nullable: true })
  diskUsage!: DiskUsage | null;

  @Field({
    description:
      'True when the catalogue shown may be behind the host: its agent is away (OFFLINE) or cannot reach its daemon (DEGRADED), and it is the last one the agent published.',
  })
  stale!: boolean;

  @Field(() => DateTimeResolver, { nullable: true, description: 'When the catalogue shown was taken.' })
  asOf!: Date | null;
}
