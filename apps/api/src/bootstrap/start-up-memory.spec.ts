import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { LiveCatalogue } from '#libs/catalogue';
import { releaseStartUpMemoryOnceReady } from './start-up-memory.js';

describe('releaseStartUpMemoryOnceReady', () => {
  afterEach(() => jest.restoreAllMocks());

  it('runs one memory-reducing collection once the catalogue is first fresh, and adds no gc global', async () => {
    // Another suite in the same jest worker may have left --expose-gc set (its contexts then have
    // a gc): what counts is that this call changes nothing.
    const hadGc = 'gc' in globalThis;
    let endStartUp!: () => void;
    const startedUp = new Promise<void>((resolve) => (endStartUp = resolve));
    const catalogue = { firstFresh: () => startedUp } as unknown as LiveCatalogue;
    const debug = jest.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined);

    const released = releaseStartUpMemoryOnceReady(catalogue);
    await Promise.resolve();
    expect(debug).not.toHaveBeenCalled();

    endStartUp();
    await released;
    expect(debug).toHaveBeenCalledTimes(1);
    expect(debug.mock.calls[0]![0]).toMatchObject({
      message: 'start-up memory released',
      rssBeforeMb: expect.any(Number),
      rssAfterMb: expect.any(Number),
    });
    expect('gc' in globalThis).toBe(hadGc);
  });
});
