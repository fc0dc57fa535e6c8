import { Field, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { DateTimeResolver } from 'graphql-scalars';
import { Image } from '../../images/models/image.model.js';
import { Job } from '../../jobs/models/job.model.js';

export const UpdateStatus = { UP_TO_DATE: 'UP_TO_DATE', AVAILABLE: 'AVAILABLE', UNKNOWN: 'UNKNOWN' } as const;
export type UpdateStatus = (typeof UpdateStatus)[keyof typeof UpdateStatus];
registerEnumType(UpdateStatus, { name: 'UpdateStatus' });

@ObjectType({ description: "Whether an image's tags still name what their registries hold." })
export class ImageUpdate {
  @Field(() => UpdateStatus)
  status!: UpdateStatus;

  @Field(() => String, { nullable: true, description: 'What the registry holds under the tag now.' })
  remoteDigest!: string | null;

  @Field(() => DateTimeResolver, { nullable: true })
  checkedAt!: Date | null;

  @Field(() => String, {
    nullable: true,
    description:
      'Why the status is UNKNOWN: built locally, no RepoDigest, unauthorized, unreachable, rate limited.',
  })
  reason!: string | null;
}

@ObjectType({ description: 'An update check queued: how many tags it checks, and its job.' })
export class UpdateCheck {
  @Field(() => Int, { description: 'The local tags the check compares with their registries.' })
  queued!: number;

  @Field(() => Job, { nullable: true })
  job!: Job | null;
}

@ObjectType({ description: 'A finding of an update check that changed.' })
export class ImageUpdateEvent {
  @Field(() => Image)
  image!: Image;

  @Field(() => ImageUpdate)
  update!: ImageUpdate;
}
