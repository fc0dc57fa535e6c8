export { SecretFileError, readOrCreateSecretFile } from './secret-file.js';
export { isSecretName, REDACTED, withoutSecrets } from './secret-fields.js';
