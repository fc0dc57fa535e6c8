export * from './auth.decorators.js';
export * from './principal.js';
export * from './token-authenticator.js';
