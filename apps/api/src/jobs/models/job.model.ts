import { Field, Float, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { DateTimeResolver, SafeIntResolver } from 'graphql-scalars';
import {
  JOB_KINDS,
  JOB_STATES,
  type JobKind as JobKindName,
  type JobState as JobStateName,
} from '#libs/jobs';

/** GraphQL enums whose values are the jobs library's own names, so no mapping is needed. */
export const JobKind = Object.fromEntries(JOB_KINDS.map((kind) => [kind, kind])) as { [K in JobKindName]: K };
export const JobState = Object.fromEntries(JOB_STATES.map((state) => [state, state])) as {
  [K in JobStateName]: K;
};
registerEnumType(JobKind, {
  name: 'JobKind',
  description: 'LOAD: an uploaded `docker save` archive being loaded.',
});
registerEnumType(JobState, { name: 'JobState' });

@ObjectType()
export class LayerProgress {
  @Field({ description: 'Short layer id as the daemon reports it.' })
  id!: string;

  @Field({
    description: 'Daemon status: Waiting, Downloading, Extracting, Pull complete, Pushing, Pushed, …',
  })
  status!: string;

  @Field(() => SafeIntResolver)
  current!: number;

  @Field(() => SafeIntResolver)
  total!: number;
}

@ObjectType()
export class JobProgress {
  @Field(() => Float, { description: '0..100, never decreasing within one attempt; 100 when completed.' })
  percent!: number;

  @Field(() => SafeIntResolver)
  currentBytes!: number;

  @Field(() => SafeIntResolver)
  totalBytes!: number;

  @Field(() => [LayerProgress])
  layers!: LayerProgress[];

  @Field(() => String, { nullable: true, description: 'Last status line from the daemon.' })
  message!: string | null;
}

@ObjectType()
export class JobError {
  @Field({ description: 'One of the error codes listed in errors.md.' })
  code!: string;

  @Field()
  message!: string;
}

@ObjectType({ description: 'A queued pull or push, run by a worker.' })
export class Job {
  @Field(() => ID)
  id!: string;

  @Field(() => JobKind)
  kind!: JobKindName;

  @Field({ description: 'Normalised reference the job works on.' })
  ref!: string;

  @Field(() => String, { nullable: true, description: 'The Docker host whose queue holds it.' })
  host?: string | null;

  @Field(() => JobState)
  state!: JobStateName;

  @Field(() => Int)
  attempts!: number;

  @Field(() => JobProgress)
  progress!: JobProgress;

  @Field(() => JobError, { nullable: true })
  error!: JobError | null;

  @Field(() => String, { nullable: true, description: 'Set when a pull completes.' })
  imageId!: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Manifest digest, when known (pull or push complete).',
  })
  digest!: string | null;

  @Field(() => DateTimeResolver)
  createdAt!: Date;

  @Field(() => DateTimeResolver, { nullable: true })
  startedAt!: Date | null;

  @Field(() => DateTimeResolver, { nullable: true })
  finishedAt!: Date | null;

  /** A fan-out's children by id: GraphQL resolves them to jobs (JobsResolver.children). */
  children?: readonly string[];
}
