export * from './daemon-error.js';
export * from './progress-message.js';
export * from './progress-throttle.js';
export * from './progress-tracker.js';
