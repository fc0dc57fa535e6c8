export * from './api-tokens.js';
export * from './principal.js';
export * from './roles.js';
export * from './token-authenticator.js';
