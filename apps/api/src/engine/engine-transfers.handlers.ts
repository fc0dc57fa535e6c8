import { Inject, Injectable } from '@nestjs/common';
import type { Readable } from 'node:stream';
import { LiveCatalogue } from '#libs/catalogue';
import { DOCKER_ENGINE, type DockerEngine } from '#libs/docker';
import { BadUserInputError, ImageNotFoundError, UnsupportedError } from '#libs/errors';
import type { JobRecord } from '#libs/jobs';
import { parseReference, toFamiliarString, withDefaultTag, type ImageReference } from '#libs/reference';
import { callerOf } from '../auth/current-principal.decorator.js';
import { HostCatalogues } from '../fleet/host-catalogues.js';
import { ImageJobsService } from '../jobs/image-jobs.service.js';
import { JobUpdates } from '../jobs/job-updates.js';
import { registryAuthOf } from './engine-body.js';
import type { EngineAnswer, EngineCall } from './engine-call.js';
import { flag } from './engine-filters.js';
import { jobProgressLines, primed, type EngineProgressLine } from './engine-job-stream.js';

/**
 * Pull, push and load are jobs, as everywhere in Stevedore: queued (an identical pull already
 * queued is joined, whoever asked for it), run by the host's worker or agent, and streamed back
 * in the daemon's progress format from the job's own progress. Save streams from the daemon.
 */
@Injectable()
export class EngineTransferHandlers {
  constructor(
    private readonly jobs: ImageJobsService,
    private readonly updates: JobUpdates,
    private readonly hosts: HostCatalogues,
    /** The api's own daemon, which save streams from, as REST's export does. */
    private readonly catalogue: LiveCatalogue,
    @Inject(DOCKER_ENGINE) private readonly engine: DockerEngine,
  ) {}

  /** `POST /images/create?fromImage=&tag=&platform=`, with X-Registry-Auth. */
  pull = async (call: EngineCall): Promise<EngineAnswer> => {
    if (call.query.get('fromSrc') !== null) {
      throw new UnsupportedError(
        'Stevedore does not import root file systems (docker import): load a docker save archive (docker load) instead.',
      );
    }
    const reference = pullReference(call.query.get('fromImage') ?? '', call.query.get('tag') ?? '');
    const job = await this.jobs.pull(
      {
        ref: referenceText(reference),
        host: call.host,
        platform: call.query.get('platform') || null,
        auth: registryAuthOf(call.request),
      },
      callerOf(call.principal),
    );
    const opening = { status: `Pulling from ${reference.path}`, id: reference.digest ?? reference.tag };
    return this.progressOf(job, opening, (record) => pullClosing(record, reference));
  };

  /** `POST /images/{name}/push?tag=`: one tag, or every tag of the repository when none is given. */
  push = async (call: EngineCall): Promise<EngineAnswer> => {
    const tag = call.query.get('tag') ?? '';
    const reference = parseReference(tag === '' ? call.name : `${call.name}:${tag}`);
    const job = await this.jobs.push(
      {
        ref: referenceText(reference),
        host: call.host,
        allTags: reference.tag === undefined,
        auth: registryAuthOf(call.request),
      },
      callerOf(call.principal),
    );
    const repository = referenceText({ domain: reference.domain, path: reference.path });
    return this.progressOf(job, { status: `The push refers to repository [${repository}]` }, pushClosing);
  };

  /**
   * `POST /images/load?quiet=`: the archive is stored and loaded by a job, as the REST import
   * does; `quiet` (the CLI's choice when not at a terminal) leaves only the `Loaded image` lines.
   */
  load = async (call: EngineCall): Promise<EngineAnswer> => {
    const job = await this.jobs.load(call.request.raw as unknown as Readable, callerOf(call.principal));
    return this.progressOf(job, null, () => [], !flag(call.query.get('quiet')));
  };

  /** `GET /images/get?names=` and `GET /images/{name}/get`: a docker save archive. */
  save = async (call: EngineCall): Promise<EngineAnswer> => {
    const name = this.hosts.resolve(call.host);
    if (name !== this.hosts.localHost) {
      throw new UnsupportedError(
        `docker save reads the api's own daemon; host ${name} is reached through its agent.`,
      );
    }
    const names = call.name ? [call.name] : call.query.getAll('names');
    if (names.length === 0) throw new BadUserInputError('names is required: the images to save.');
    // Synced first: a save is heavy anyway, and an image made a moment ago must count.
    const snapshot = await this.catalogue.refresh();
    for (const each of names) if (!snapshot.find(each)) throw new ImageNotFoundError(each);
    return { tar: await this.engine.exportImages(names, call.signal) };
  };

  private async progressOf(
    job: JobRecord,
    opening: EngineProgressLine | null,
    closing: (record: JobRecord) => EngineProgressLine[],
    layers = true,
  ): Promise<EngineAnswer> {
    const lines = jobProgressLines(this.updates.follow(job.id), { opening, closing, layers });
    return { lines: await primed(lines) };
  }
}

/** `fromImage` with `tag` (a tag or a digest), as the CLI splits `docker pull name:tag`. */
function pullReference(fromImage: string, tag: string): ImageReference {
  if (fromImage === '') throw new BadUserInputError('fromImage is required: the image to pull.');
  const named = parseReference(fromImage);
  if (tag === '') {
    if (named.tag === undefined && named.digest === undefined) {
      throw new UnsupportedError('Pulling every tag (docker pull --all-tags) is not served: name a tag.');
    }
    return named;
  }
  const base = referenceText({ domain: named.domain, path: named.path });
  return parseReference(
    /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-f0-9]{32,}$/.test(tag) ? `${base}@${tag}` : `${base}:${tag}`,
  );
}

/** As the daemon names it: `127.0.0.1:5000/app:1`, `nginx:latest`. */
function referenceText(reference: ImageReference): string {
  return toFamiliarString(reference);
}

function pullClosing(record: JobRecord, reference: ImageReference): EngineProgressLine[] {
  const named = reference.digest === undefined ? withDefaultTag(reference) : reference;
  const message = record.progress.message;
  const status = message?.startsWith('Status: ')
    ? message
    : `Status: Downloaded newer image for ${toFamiliarString(named)}`;
  return [...(record.digest ? [{ status: `Digest: ${record.digest}` }] : []), { status }];
}

/** `1: digest: sha256:… size: 947`, then the aux record tools read the digest from. */
function pushClosing(record: JobRecord): EngineProgressLine[] {
  const match = /^(.+): digest: (\S+) size: (\d+)$/.exec(record.progress.message ?? '');
  if (!match) return record.digest ? [{ status: `digest: ${record.digest}` }] : [];
  const [, tag, digest, size] = match;
  return [
    { status: match[0] },
    { progressDetail: {}, aux: { Tag: tag, Digest: digest, Size: Number(size) } },
  ];
}
