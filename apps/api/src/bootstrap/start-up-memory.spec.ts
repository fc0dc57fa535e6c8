import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { LiveCatalogue } from '#libs/catalogue';
import { StartUpMemory } from './start-up-memory.js';

describe('StartUpMemory', () => {
  afterEach(() => jest.restoreAllMocks());

  it('runs one memory-reducing collection once the catalogue is first fresh, and leaves no gc global behind', async () => {
    let endStartUp!: () => void;
    const startedUp = new Promise<void>((resolve) => (endStartUp = resolve));
    const catalogue = { firstFresh: () => startedUp } as unknown as LiveCatalogue;
    const debug = jest.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined);

    new StartUpMemory(catalogue).onApplicationBootstrap();
    await Promise.resolve();
    expect(debug).not.toHaveBeenCalled();

    endStartUp();
    await startedUp;
    await Promise.resolve();
    expect(debug).toHaveBeenCalledTimes(1);
    expect(debug.mock.calls[0]![0]).toMatchObject({
      message: 'start-up memory released',
      rssBeforeMb: expect.any(Number),
      rssAfterMb: expect.any(Number),
    });
    expect('gc' in globalThis).toBe(false);
  });
});
