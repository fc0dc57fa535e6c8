import { Inject, Injectable } from '@nestjs/common';
import { LiveCatalogue } from '#libs/catalogue';
import { DOCKER_ENGINE, type DockerEngine } from '#libs/docker';
import { ImageNotFoundError } from '#libs/errors';

/** `docker image save` of the api's own daemon, for REST's export and the Engine API's save. */
@Injectable()
export class ImageExport {
  constructor(
    private readonly catalogue: LiveCatalogue,
    @Inject(DOCKER_ENGINE) private readonly engine: DockerEngine,
  ) {}

  /**
   * The archive of `refs`, each checked first against a fresh sync: an export is heavy anyway,
   * and an image made a moment ago must count. Aborting `signal` stops the daemon's export.
   */
  async archive(refs: readonly string[], signal: AbortSignal): Promise<NodeJS.ReadableStream> {
    const snapshot = await this.catalogue.refresh();
    for (const ref of refs) if (!snapshot.find(ref)) throw new ImageNotFoundError(ref);
    return this.engine.exportImages(refs, signal);
  }
}
