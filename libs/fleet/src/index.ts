export * from './host-directory.port.js';
export * from './host-keys.js';
export * from './host-name.js';
export * from './host-record.js';
export * from './host-status.js';
export * from './redis-host-directory.adapter.js';
