export * from './audit-entry.js';
export * from './audit-log.port.js';
export * from './audit.module.js';
export * from './redis-audit-log.adapter.js';
