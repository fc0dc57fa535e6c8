import { Injectable } from '@nestjs/common';
import type { Readable } from 'node:stream';
import { BadUserInputError, UnsupportedError } from '#libs/errors';
import type { JobRecord } from '#libs/jobs';
import { parseReference, toFamiliarString, withDefaultTag, type ImageReference } from '#libs/reference';
import { callerOf } from '../auth/current-principal.decorator.js';
import { HostCatalogues } from '../fleet/host-catalogues.js';
import { ImageJobsService } from '../jobs/image-jobs.service.js';
import { JobUpdates } from '../jobs/job-updates.js';
import { registryAuthOf } from './engine-body.js';
import type { EngineAnswer, EngineCall } from './engine-call.js';
import { flag } from './engine-filters.js';
import {
  jobProgressLines,
  loadClosing,
  primed,
  type EngineProgressLine,
  type JobStreamOptions,
} from './engine-job-stream.js';
import { ImageExport } from '../images/image-export.js';

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
    private readonly exports: ImageExport,
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
        ref: toFamiliarString(reference),
        host: call.host,
        platform: call.query.get('platform') || null,
        auth: registryAuthOf(call.request),
      },
      callerOf(call.principal),
    );
    const opening = { status: `Pulling from ${reference.path}`, id: reference.digest ?? reference.tag };
    return this.progressOf(call, job, { opening, closing: (record) => pullClosing(record, reference) });
  };

  /** `POST /images/{name}/push?tag=`: one tag, or every tag of the repository when none is given. */
  push = async (call: EngineCall): Promise<EngineAnswer> => {
    const tag = call.query.get('tag') ?? '';
    const reference = parseReference(tag === '' ? call.name : `${call.name}:${tag}`);
    const job = await this.jobs.push(
      {
        ref: toFamiliarString(reference),
        host: call.host,
        allTags: reference.tag === undefined,
        auth: registryAuthOf(call.request),
      },
      callerOf(call.principal),
    );
    const repository = toFamiliarString({ domain: reference.domain, path: reference.path });
    const opening = { status: `The push refers to repository [${repository}]` };
    return this.progressOf(call, job, { opening, closing: pushClosing });
  };

  /**
   * `POST /images/load?quiet=`: the archive is stored and loaded by a job, as the REST import
   * does; `quiet` (the CLI's choice when not at a terminal) leaves only the `Loaded image` lines.
   */
  load = async (call: EngineCall): Promise<EngineAnswer> => {
    this.ownHostOnly(call, 'docker load');
    const job = await this.jobs.load(call.request.raw as unknown as Readable, callerOf(call.principal));
    return this.progressOf(call, job, {
      opening: null,
      closing: loadClosing,
      layers: !flag(call.query.get('quiet')),
    });
  };

  /** `GET /images/get?names=` and `GET /images/{name}/get`: a docker save archive. */
  save = async (call: EngineCall): Promise<EngineAnswer> => {
    this.ownHostOnly(call, 'docker save');
    const names = call.name ? [call.name] : call.query.getAll('names');
    if (names.length === 0) throw new BadUserInputError('names is required: the images to save.');
    return { tar: await this.exports.archive(names, call.signal) };
  };

  /**
   * Save and load go through the api's own daemon and state folder (as REST's export and
   * import): another host of the fleet is refused, never served by the wrong daemon.
   */
  private ownHostOnly(call: EngineCall, command: string): void {
    if (call.host === undefined || call.host === this.hosts.localHost) return;
    throw new UnsupportedError(
      `${command} goes through the api's own daemon; host ${call.host} is reached through its agent, which does not serve it.`,
    );
  }

  /**
   * The job's lines, ending when it does or when the client goes away: then the job's updates
   * are let go of at once, whether the answer began or not.
   */
  private async progressOf(
    call: EngineCall,
    job: JobRecord,
    options: JobStreamOptions,
  ): Promise<EngineAnswer> {
    const updates = this.updates.follow(job.id);
    const letGo = () => void updates.return?.();
    call.signal.addEventListener('abort', letGo, { once: true });
    const lines = await primed(jobProgressLines(updates, options));
    if (call.signal.aborted) {
      await lines.return?.();
      throw new Error('the client went away');
    }
    return { lines };
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
  const base = toFamiliarString({ domain: named.domain, path: named.path });
  return parseReference(
    /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-f0-9]{32,}$/.test(tag) ? `${base}@${tag}` : `${base}:${tag}`,
  );
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
