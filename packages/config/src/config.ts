import { configSchema, type RawConfig } from './schema.js';

/** Used only outside production, and announced loudly at start-up. */
export const DEV_JWT_SECRET = 'netra-development-secret-do-not-use-in-production';

export interface Config extends Omit<RawConfig, 'JWT_SECRET' | 'AUTH_DEV_LOGIN'> {
  /** HS256 secret; undefined when only JWKS is configured. */
  JWT_SECRET: string | undefined;
  AUTH_DEV_LOGIN: boolean;
  isProduction: boolean;
}

export interface ConfigResult {
  config: Config;
  /** Things an operator must hear about at start-up (e.g. the development JWT secret). */
  warnings: string[];
}

export class ConfigError extends Error {
  readonly variables: string[];

  constructor(problems: { variable: string; message: string }[]) {
    super(
      `Invalid configuration:\n${problems.map((p) => `  - ${p.variable}: ${p.message}`).join('\n')}`,
    );
    this.name = 'ConfigError';
    this.variables = problems.map((p) => p.variable);
  }
}

/**
 * Reads and validates the environment once. Fails fast, naming every variable that is wrong.
 * Empty strings count as unset, so `FOO=` in a compose file falls back to the default.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ConfigResult {
  const input: Record<string, string> = {};
  for (const key of Object.keys(configSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value.trim() !== '') input[key] = value.trim();
  }

  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const variable = String(issue.path[0] ?? '(environment)');
        const got = input[variable];
        const shown = variable.includes('SECRET') || variable.includes('KEY') ? '(hidden)' : JSON.stringify(got);
        return { variable, message: `${issue.message}${got === undefined ? '' : ` (got ${shown})`}` };
      }),
    );
  }

  const raw = parsed.data;
  const isProduction = raw.NODE_ENV === 'production';
  const warnings: string[] = [];
  const problems: { variable: string; message: string }[] = [];

  let jwtSecret = raw.JWT_SECRET;
  if (jwtSecret === undefined && raw.JWT_JWKS_URL === undefined) {
    if (isProduction) {
      problems.push({ variable: 'JWT_SECRET', message: 'required in production (or set JWT_JWKS_URL)' });
    } else {
      jwtSecret = DEV_JWT_SECRET;
      warnings.push(
        'JWT_SECRET is not set: using the built-in DEVELOPMENT secret. Anyone can mint tokens. Never run like this in production.',
      );
    }
  }

  const devLogin = raw.AUTH_DEV_LOGIN ?? !isProduction;
  if (devLogin && isProduction) {
    warnings.push('AUTH_DEV_LOGIN=true in production: anyone can obtain a token for any user id.');
  }
  if (devLogin && jwtSecret === undefined) {
    problems.push({ variable: 'AUTH_DEV_LOGIN', message: 'needs JWT_SECRET to sign development tokens' });
  }
  if (raw.LLM_PROVIDER === 'openai' && raw.LLM_BASE_URL === undefined && raw.LLM_API_KEY === undefined) {
    problems.push({ variable: 'LLM_API_KEY', message: 'LLM_PROVIDER=openai needs LLM_API_KEY or LLM_BASE_URL' });
  }
  if (problems.length > 0) throw new ConfigError(problems);

  return {
    config: { ...raw, JWT_SECRET: jwtSecret, AUTH_DEV_LOGIN: devLogin, isProduction },
    warnings,
  };
}

/** Names of variables that hold credentials: JWT_SECRET, LLM_API_KEY, and any future *_TOKEN or *_PASSWORD. */
const SECRET_NAME = /SECRET|KEY|PASSWORD|TOKEN|CREDENTIAL/i;

/**
 * The configuration as it may be shown to an operator (an admin settings page, a diagnostic dump): secrets
 * become `[set]`/`[unset]`, and credentials inside URLs (`postgresql://user:pw@…`, `redis://:pw@…`) are removed.
 * No endpoint may return `Config` itself.
 */
export function publicConfig(config: Config): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (SECRET_NAME.test(key)) out[key] = value === undefined ? '[unset]' : '[set]';
    else if (typeof value === 'string') out[key] = withoutCredentials(value);
    else out[key] = value;
  }
  return out;
}

function withoutCredentials(value: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return value;
  try {
    const url = new URL(value);
    if (url.username === '' && url.password === '') return value;
    url.username = url.username === '' ? '' : '[redacted]';
    url.password = url.password === '' ? '' : '[redacted]';
    return url.toString();
  } catch {
    // Not a URL after all (the scheme-like prefix was a coincidence): nothing to strip.
    return value;
  }
}
