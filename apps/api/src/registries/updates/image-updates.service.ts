import { Inject, Injectable } from '@nestjs/common';
import { LiveCatalogue } from '#libs/catalogue';
import { ImageNotFoundError } from '#libs/errors';
import { EVERY_TAGGED_IMAGE, JOB_NAMES, JOB_QUEUE, type JobQueue, type JobRecord } from '#libs/jobs';
import { parseReference, toNormalizedString, withDefaultTag } from '#libs/reference';
import { type TagFinding, UPDATE_FINDINGS, type UpdateFindings } from '#libs/registry';

/** Update checks as the api sees them: queued on demand, read back per request. */
@Injectable()
export class ImageUpdatesService {
  private readonly perRequest = new WeakMap<object, Promise<Map<string, TagFinding>>>();

  constructor(
    @Inject(UPDATE_FINDINGS) private readonly findings: UpdateFindings,
    @Inject(JOB_QUEUE) private readonly queue: JobQueue,
    private readonly catalogue: LiveCatalogue,
  ) {}

  /**
   * Queues a check of one local tag, or of every tagged image; an identical check still queued
   * or running is the one answered. A reference with no local tag is IMAGE_NOT_FOUND.
   */
  async check(ref: string | undefined, requestedBy: string): Promise<{ queued: number; job: JobRecord }> {
    const snapshot = await this.catalogue.current();
    let target = EVERY_TAGGED_IMAGE;
    let queued: number;
    if (ref === undefined) {
      queued = new Set(snapshot.images.flatMap((image) => image.tags.map((tag) => tag.reference))).size;
    } else {
      const parsed = parseReference(ref);
      target = toNormalizedString(parsed.digest === undefined ? withDefaultTag(parsed) : parsed);
      const local = snapshot.images.some((image) => image.tags.some((tag) => tag.reference === target));
      if (!local || parsed.digest !== undefined) throw new ImageNotFoundError(ref);
      queued = 1;
    }
    const job = await this.queue.add(
      JOB_NAMES.checkUpdates,
      { ref: target, requestedBy },
      { deduplicationId: `check-updates:${target}` },
    );
    return { queued, job };
  }

  /** Every finding, read once per request however many images ask. */
  findingsFor(request: object): Promise<Map<string, TagFinding>> {
    let findings = this.perRequest.get(request);
    if (!findings) this.perRequest.set(request, (findings = this.findings.all()));
    return findings;
  }

  onChange(listener: (finding: TagFinding) => void): () => void {
    return this.findings.onChange(listener);
  }
}
