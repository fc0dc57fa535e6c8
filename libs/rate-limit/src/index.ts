export * from './request-quota.port.js';
export * from './redis-request-quota.adapter.js';
export * from './rate-limit.module.js';
