import { Args, ID, Mutation, Query, Resolver, Subscription } from '@nestjs/graphql';
import type { Principal } from '#libs/auth';
import type { JobRecord } from '#libs/jobs';
import { callerOf, CurrentPrincipal } from '../auth/current-principal.decorator.js';
import { JobsArgs, PullImageInput, PushImageInput } from './dto/job.inputs.js';
import { ImageJobsService } from './image-jobs.service.js';
import { JobUpdates } from './job-updates.js';
import { JobConnection } from './models/job-connection.model.js';
import { toJob } from './models/job.mapper.js';
import { Job, JobKind } from './models/job.model.js';
import type { JobKind as JobKindName } from '#libs/jobs';

@Resolver(() => Job)
export class JobsResolver {
  constructor(
    private readonly imageJobs: ImageJobsService,
    private readonly updates: JobUpdates,
  ) {}

  @Query(() => Job, { nullable: true })
  async job(@Args('id', { type: () => ID }) id: string): Promise<Job | null> {
    const record = await this.imageJobs.get(id);
    return record ? toJob(record) : null;
  }

  @Query(() => JobConnection)
  async jobs(@Args() args: JobsArgs): Promise<JobConnection> {
    const page = await this.imageJobs.list({ ...args.filter, first: args.first, after: args.after });
    return { totalCount: page.totalCount, nodes: page.nodes.map(toJob), pageInfo: { ...page.pageInfo } };
  }

  @Mutation(() => Job, {
    description:
      'Queues a pull (`docker image pull`). The tag defaults to latest. Identical queued or running pulls return the same job.',
  })
  async pullImage(@Args('input') input: PullImageInput, @CurrentPrincipal() caller: Principal): Promise<Job> {
    return toJob(await this.imageJobs.pull(input, callerOf(caller)));
  }

  @Mutation(() => Job, {
    description:
      "Queues a push (`docker image push`): the reference's tag (default latest), or every local tag of the repository when allTags is true.",
  })
  async pushImage(@Args('input') input: PushImageInput, @CurrentPrincipal() caller: Principal): Promise<Job> {
    return toJob(await this.imageJobs.push(input, callerOf(caller)));
  }

  @Mutation(() => Job)
  async cancelJob(@Args('id', { type: () => ID }) id: string): Promise<Job> {
    return toJob(await this.imageJobs.cancel(id));
  }

  @Subscription(() => Job, {
    description:
      'The job each time its state or progress changes; ends after the job reaches a final state. Emits the current job at once.',
    resolve: (record: JobRecord) => toJob(record),
  })
  jobProgress(@Args('id', { type: () => ID }) id: string) {
    return this.updates.follow(id);
  }

  @Subscription(() => Job, {
    description: 'Every job change on the service.',
    resolve: (record: JobRecord) => toJob(record),
  })
  jobUpdates(@Args('kind', { type: () => JobKind, nullable: true }) kind?: JobKindName) {
    return this.updates.all(kind);
  }
}
