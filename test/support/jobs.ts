import { graphql, type ApiUnderTest, TEST_TOKENS } from './api-under-test.js';
import { eventually } from './eventually.js';

export const JOB_FIELDS = `id kind ref state attempts imageId digest createdAt startedAt finishedAt
  error { code message }
  progress { percent currentBytes totalBytes message layers { id status current total } }`;

export interface JobNode {
  id: string;
  kind: string;
  ref: string;
  state: string;
  attempts: number;
  imageId: string | null;
  digest: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: { code: string; message: string } | null;
  progress: {
    percent: number;
    currentBytes: number;
    totalBytes: number;
    message: string | null;
    layers: { id: string; status: string; current: number; total: number }[];
  };
}

const FINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);

export async function pullImage(
  api: ApiUnderTest,
  input: Record<string, unknown>,
): Promise<{ job?: JobNode; errors?: { message: string; extensions?: { code?: string } }[] }> {
  const answer = await graphql<{ pullImage: JobNode }>(
    api,
    `mutation($input: PullImageInput!) { pullImage(input: $input) { ${JOB_FIELDS} } }`,
    { token: TEST_TOKENS.write, variables: { input } },
  );
  return { job: answer.data?.pullImage, errors: answer.errors };
}

export async function pushImage(
  api: ApiUnderTest,
  input: Record<string, unknown>,
): Promise<{ job?: JobNode; errors?: { message: string; extensions?: { code?: string } }[] }> {
  const answer = await graphql<{ pushImage: JobNode }>(
    api,
    `mutation($input: PushImageInput!) { pushImage(input: $input) { ${JOB_FIELDS} } }`,
    { token: TEST_TOKENS.write, variables: { input } },
  );
  return { job: answer.data?.pushImage, errors: answer.errors };
}

export async function getJob(api: ApiUnderTest, id: string): Promise<JobNode | null> {
  const answer = await graphql<{ job: JobNode | null }>(
    api,
    `query($id: ID!) { job(id: $id) { ${JOB_FIELDS} } }`,
    {
      variables: { id },
    },
  );
  if (answer.errors) throw new Error(JSON.stringify(answer.errors));
  return answer.data!.job;
}

/** Polls until the job reaches a final state. */
export async function settled(api: ApiUnderTest, id: string, withinMs = 60_000): Promise<JobNode> {
  return eventually(async () => {
    const job = await getJob(api, id);
    if (!job || !FINAL.has(job.state)) throw new Error(`job ${id} is ${job?.state ?? 'gone'}`);
    return job;
  }, withinMs);
}
