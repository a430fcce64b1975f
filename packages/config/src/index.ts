export { loadConfig, publicConfig, ConfigError, DEV_JWT_SECRET, type Config, type ConfigResult } from './config.js';
export { configSchema, CONFIG_DOCS, type RateLimit } from './schema.js';
export { gatewayNodeFlags, nodeFlagsMissing } from './node-flags.js';
