export { REDACTED, redact } from './redaction.js';
export {
  CREDENTIAL_FIELD_MAX_LENGTH,
  describeCredentials,
  makeCredentials,
  validateCredentials,
} from './registry-credentials.js';
export type { RegistryCredentials, RegistryCredentialsInput } from './registry-credentials.js';
export {
  DOCKER_CONFIG_FILE_NAME,
  DOCKER_HUB_AUTH_KEY,
  DOCKER_HUB_HOSTS,
  DockerConfigAuths,
  DockerConfigError,
  DockerConfigFile,
  credentialsFor,
  dockerConfigFile,
  isDockerHub,
  keyHostname,
  matchingKey,
  parseDockerConfig,
  readDockerConfig,
} from './docker-config.js';
export { resolveCredentials, resolveCredentialsWithSource } from './resolve-credentials.js';
export type {
  CredentialsSource,
  ResolveCredentialsOptions,
  ResolvedCredentials,
} from './resolve-credentials.js';
export {
  REGISTRY_AUTH_HEADER,
  dockerodeAuthconfig,
  encodeBase64UrlPadded,
  registryAuthHeader,
  serverAddressFor,
} from './registry-auth-header.js';
export {
  CredentialSealer,
  CredentialUnsealError,
  SEALED_CREDENTIALS_VERSION,
  SealingKeyError,
  generateSealingKey,
  parseSealingKey,
} from './credential-sealer.js';
export type { SealOptions, UnsealFailure } from './credential-sealer.js';
export {
  CREDENTIAL_SEALER,
  CREDENTIALS_KEY_FILE,
  credentialSealerFor,
  credentialSealerProvider,
} from './credential-sealer.provider.js';
