/**
 * Secrets (API keys, webhook secrets): the encrypted store the window fills, headless mode's
 * environment and secrets file, and the one getter the responders use.
 */
export { SecretStore, SecretStoreUnavailable, SECRETS_FILE } from './secret-store.js';
export {
  envSecretSource,
  envVarName,
  ENV_PREFIX,
  fileSecretSource,
  SecretsFileError,
  type ExternalSecretKind,
  type SecretSource,
} from './sources.js';
export { SECRET_PRECEDENCE, SecretRefused, Secrets, secretRefsOf, type SecretOrigin, type SecretsOptions } from './secrets.js';
