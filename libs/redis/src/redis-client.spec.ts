import { loadConfig } from '#libs/config';
import { redisConnectionOptions } from './redis-client.js';

describe('redisConnectionOptions', () => {
  it('hands a plain URL to ioredis as it is', () => {
    expect(redisConnectionOptions('redis://:pw@127.0.0.1:6390/2', { maxRetriesPerRequest: null })).toEqual({
      url: 'redis://:pw@127.0.0.1:6390/2',
      maxRetriesPerRequest: null,
    });
  });

  it("asks the sentinels for the master, with the URL's credentials and database", () => {
    const { redis } = loadConfig({
      REDIS_URL: 'redis://agent-1:s%3Acret@ignored:6379/3',
      REDIS_SENTINELS: '10.0.0.1:26379, 10.0.0.2:26380',
      REDIS_SENTINEL_MASTER: 'fleet',
      REDIS_SENTINEL_PASSWORD: 'sentinel-pw',
    });
    expect(redisConnectionOptions(redis, { maxRetriesPerRequest: null })).toEqual({
      username: 'agent-1',
      password: 's:cret',
      db: 3,
      sentinels: [
        { host: '10.0.0.1', port: 26379 },
        { host: '10.0.0.2', port: 26380 },
      ],
      name: 'fleet',
      sentinelPassword: 'sentinel-pw',
      maxRetriesPerRequest: null,
    });
  });
});
