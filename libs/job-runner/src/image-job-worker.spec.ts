import { Injectable } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { loadConfig, STEVEDORE_CONFIG } from '#libs/config';
import { JobLifecycle, type ImageJobResult } from '#libs/jobs';
import { ImageJobWorker } from './image-job-worker.js';
import { HandlesJob, type ImageJobHandler } from './job-handler.js';

@HandlesJob('pull')
@Injectable()
class PullHandler implements ImageJobHandler<'pull'> {
  async run(): Promise<ImageJobResult> {
    return { imageId: null, digest: null };
  }
}

@HandlesJob('pull')
@Injectable()
class AnotherPullHandler extends PullHandler {}

/** The boot check: it runs before the worker connects to Redis, so no Redis is needed here. */
describe('ImageJobWorker boot check', () => {
  async function boot(handlers: (new () => unknown)[]): Promise<void> {
    const module = await Test.createTestingModule({
      imports: [DiscoveryModule],
      providers: [
        ImageJobWorker,
        ...handlers,
        { provide: JobLifecycle, useValue: { onCancelRequested: () => () => undefined } },
        { provide: STEVEDORE_CONFIG, useValue: loadConfig({ REDIS_URL: 'redis://127.0.0.1:1' }) },
      ],
    }).compile();
    try {
      module.useLogger(false);
      await module.init();
    } finally {
      await module.close().catch(() => undefined);
    }
  }

  it('refuses to start while a job name has no handler', async () => {
    await expect(boot([PullHandler])).rejects.toThrow(
      'No handler for job(s) push, load, check-updates, copy, remove: the worker cannot start.',
    );
  });

  it('refuses two handlers for one job name', async () => {
    await expect(boot([PullHandler, AnotherPullHandler])).rejects.toThrow('Two handlers for job "pull".');
  });
});
