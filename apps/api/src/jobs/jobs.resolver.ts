import { Args, ID, Mutation, Parent, Query, ResolveField, Resolver, Subscription } from '@nestjs/graphql';
import type { Principal } from '#libs/auth';
import type { JobRecord } from '#libs/jobs';
import { callerOf, CurrentPrincipal } from '../auth/current-principal.decorator.js';
import { CopyImageArgs, JobsArgs, PullImageInput, PushImageInput } from './dto/job.inputs.js';
import { HostArg } from '../fleet/host.arg.js';
import { ImageJobsService } from './image-jobs.service.js';
import { JobUpdates } from './job-updates.js';
import { JobConnection } from './models/job-connection.model.js';
import { toJob } from './models/job.mapper.js';
import { Job, JobKind } from './models/job.model.js';
import type { JobKind as JobKindName } from '#libs/jobs';
import { Serves } from '../operations/serves.decorator.js';
import {
  cancelJob,
  followJob,
  followJobs,
  inspectJob,
  listJobs,
  copyImage,
  pullImage,
  pushImage,
} from './job.operations.js';

@Resolver(() => Job)
export class JobsResolver {
  constructor(
    private readonly imageJobs: ImageJobsService,
    private readonly updates: JobUpdates,
  ) {}

  @Query(() => Job, { nullable: true, description: inspectJob.description })
  @Serves(inspectJob)
  async job(@Args('id', { type: () => ID }) id: string): Promise<Job | null> {
    const record = await this.imageJobs.get(id);
    return record ? toJob(record) : null;
  }

  @Query(() => JobConnection, { description: listJobs.description })
  @Serves(listJobs)
  async jobs(@Args() args: JobsArgs, @HostArg() host?: string | null): Promise<JobConnection> {
    const page = await this.imageJobs.list({ ...args.filter, host, first: args.first, after: args.after });
    return { totalCount: page.totalCount, nodes: page.nodes.map(toJob), pageInfo: { ...page.pageInfo } };
  }

  @Mutation(() => Job, { description: copyImage.description })
  @Serves(copyImage)
  async copyImage(@Args() args: CopyImageArgs, @CurrentPrincipal() caller: Principal): Promise<Job> {
    return toJob(await this.imageJobs.copy(args, callerOf(caller)));
  }

  @Mutation(() => Job, { description: pullImage.description })
  @Serves(pullImage)
  async pullImage(@Args('input') input: PullImageInput, @CurrentPrincipal() caller: Principal): Promise<Job> {
    return toJob(await this.imageJobs.pull(input, callerOf(caller)));
  }

  @Mutation(() => Job, { description: pushImage.description })
  @Serves(pushImage)
  async pushImage(@Args('input') input: PushImageInput, @CurrentPrincipal() caller: Principal): Promise<Job> {
    return toJob(await this.imageJobs.push(input, callerOf(caller)));
  }

  @ResolveField(() => [Job], {
    description:
      "A fan-out's jobs, one per host queued so far (in the selector's host order); none for any other job.",
  })
  async children(@Parent() job: Job): Promise<Job[]> {
    if (!job.children?.length) return [];
    return (await this.imageJobs.getMany(job.children)).map(toJob);
  }

  @Mutation(() => Job, { description: cancelJob.description })
  @Serves(cancelJob)
  async cancelJob(@Args('id', { type: () => ID }) id: string): Promise<Job> {
    return toJob(await this.imageJobs.cancel(id));
  }

  @Serves(followJob)
  @Subscription(() => Job, {
    description: followJob.description,
    resolve: (record: JobRecord) => toJob(record),
  })
  jobProgress(@Args('id', { type: () => ID }) id: string) {
    return this.updates.follow(id);
  }

  @Serves(followJobs)
  @Subscription(() => Job, {
    description: followJobs.description,
    resolve: (record: JobRecord) => toJob(record),
  })
  jobUpdates(
    @Args('kind', { type: () => JobKind, nullable: true }) kind?: JobKindName,
    @Args('host', {
      type: () => String,
      nullable: true,
      description: "Only this host's jobs; left out: every job of every host, fan-outs' parents included.",
    })
    host?: string | null,
  ) {
    return this.updates.all(kind, host);
  }
}
