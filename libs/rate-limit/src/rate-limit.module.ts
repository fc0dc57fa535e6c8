import { Module } from '@nestjs/common';
import { REQUEST_QUOTA } from './request-quota.port.js';
import { RedisRequestQuota } from './redis-request-quota.adapter.js';

@Module({
  providers: [RedisRequestQuota, { provide: REQUEST_QUOTA, useExisting: RedisRequestQuota }],
  exports: [REQUEST_QUOTA],
})
export class RateLimitModule {}
