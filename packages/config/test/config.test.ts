import { ConfigError, DEV_JWT_SECRET, loadConfig } from '@netra/config';

describe('loadConfig', () => {
  it('applies the documented defaults outside production, with a loud warning about the dev secret', () => {
    const { config, warnings } = loadConfig({});
    expect(config).toMatchObject({
      PORT: 3000,
      DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/netra',
      REDIS_URL: 'redis://127.0.0.1:6379',
      WORKERS: 1,
      LLM_PROVIDER: 'local',
      AUTH_DEV_LOGIN: true,
      JWT_SECRET: DEV_JWT_SECRET,
      CORS_ORIGINS: [],
      isProduction: false,
    });
    expect(warnings.join('\n')).toMatch(/JWT_SECRET is not set/);
  });

  it('parses numbers, booleans and lists, and treats empty strings as unset', () => {
    const { config } = loadConfig({ PORT: '8080', AUTH_DEV_LOGIN: 'false', CORS_ORIGINS: 'https://a.example, https://b.example', WORKERS: '' });
    expect(config.PORT).toBe(8080);
    expect(config.AUTH_DEV_LOGIN).toBe(false);
    expect(config.CORS_ORIGINS).toEqual(['https://a.example', 'https://b.example']);
    expect(config.WORKERS).toBe(1);
  });

  it('fails fast naming every bad variable', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const configError = error as ConfigError;
    expect(configError.variables.sort()).toEqual(['DATABASE_URL', 'LOG_LEVEL', 'PORT']);
    expect(configError.message).toMatch(/PORT: .*"eighty"/);
  });

  it('requires a JWT secret in production and turns dev login off there', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/JWT_SECRET: required in production/);
    const { config } = loadConfig({ NODE_ENV: 'production', JWT_SECRET: 's'.repeat(40) });
    expect(config.AUTH_DEV_LOGIN).toBe(false);
    expect(config.isProduction).toBe(true);
  });

  it('never echoes secret values in errors', () => {
    expect(() => loadConfig({ JWT_SECRET: 'short-secret' })).toThrow(/JWT_SECRET: .*\(got \(hidden\)\)/);
  });

  it('accepts a JWKS-only production setup', () => {
    const { config } = loadConfig({ NODE_ENV: 'production', JWT_JWKS_URL: 'https://idp.example/.well-known/jwks.json' });
    expect(config.JWT_SECRET).toBeUndefined();
    expect(config.AUTH_DEV_LOGIN).toBe(false);
  });
});
