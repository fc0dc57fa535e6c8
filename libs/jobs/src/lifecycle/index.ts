export * from './attempt-outcome.js';
export * from './cancellation.js';
export * from './job-lifecycle.js';
export * from './job-not-retryable.error.js';
export * from './job-states.js';
export * from './public-state.js';
