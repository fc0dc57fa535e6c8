export { SecretFileError, readOrCreateSecretFile } from './secret-file.js';
