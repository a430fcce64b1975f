import { ConfigError, DEV_JWT_SECRET, gatewayNodeFlags, loadConfig, nodeFlagsMissing, publicConfig } from '@netra/config';

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

describe('security settings', () => {
  it('parses rate limits as points/seconds or off, and refuses nonsense', () => {
    const { config } = loadConfig({ RATE_LIMIT_IP_REQUESTS: '10/2', RATE_LIMIT_USER_MESSAGES: 'off' });
    expect(config.RATE_LIMIT_IP_REQUESTS).toEqual({ points: 10, durationSeconds: 2 });
    expect(config.RATE_LIMIT_USER_MESSAGES).toBeNull();
    expect(config.RATE_LIMIT_IP_AUTH_FAILURES).toEqual({ points: 30, durationSeconds: 300 });
    for (const bad of ['10', '0/60', '10/0', '-1/60', '1.5/60', 'ten/60']) {
      expect(() => loadConfig({ RATE_LIMIT_IP_UPGRADES: bad })).toThrow(/RATE_LIMIT_IP_UPGRADES/);
    }
  });

  it('trusts no proxy by default, a hop count or named proxies when told, and never every proxy', () => {
    expect(loadConfig({}).config.TRUST_PROXY).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '2' }).config.TRUST_PROXY).toBe(2);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8' }).config.TRUST_PROXY).toEqual(['loopback', '10.0.0.0/8']);
    expect(() => loadConfig({ TRUST_PROXY: 'true' })).toThrow(/TRUST_PROXY: trusting every proxy/);
  });

  it('fixes the gateway\'s young generation at 8 MB unless told otherwise, refusing what V8 would not take', () => {
    expect(loadConfig({}).config.GATEWAY_SEMI_SPACE_MB).toBe(8);
    expect(gatewayNodeFlags(loadConfig({ GATEWAY_SEMI_SPACE_MB: '16' }).config.GATEWAY_SEMI_SPACE_MB)).toEqual(['--min-semi-space-size=16', '--max-semi-space-size=16']);
    expect(gatewayNodeFlags(loadConfig({ GATEWAY_SEMI_SPACE_MB: '0' }).config.GATEWAY_SEMI_SPACE_MB)).toEqual([]);
    for (const bad of ['-1', '65', '1.5', 'big', '8MB']) {
      expect(() => loadConfig({ GATEWAY_SEMI_SPACE_MB: bad })).toThrow(/GATEWAY_SEMI_SPACE_MB/);
    }
  });

  it('tells which of the wanted node flags the running process lacks or sets otherwise', () => {
    const wanted = gatewayNodeFlags(8);
    expect(nodeFlagsMissing(wanted, ['--min-semi-space-size=8', '--max-semi-space-size=8'])).toEqual([]);
    expect(nodeFlagsMissing(wanted, ['--perf-basic-prof', '--max_semi_space_size=8', '--min_semi_space_size=8'])).toEqual([]);
    expect(nodeFlagsMissing(wanted, ['--min-semi-space-size=16'])).toEqual(wanted);
    expect(nodeFlagsMissing(wanted, [])).toEqual(wanted);
    expect(nodeFlagsMissing([], ['--min-semi-space-size=16'])).toEqual([]);
  });

  it('caps the JWT clock tolerance at 30 s', () => {
    expect(loadConfig({}).config.JWT_CLOCK_TOLERANCE_SECONDS).toBe(30);
    expect(() => loadConfig({ JWT_CLOCK_TOLERANCE_SECONDS: '300' })).toThrow(/JWT_CLOCK_TOLERANCE_SECONDS/);
  });

  it('publicConfig never shows a secret or a credential inside a URL', () => {
    const { config } = loadConfig({
      JWT_SECRET: 'j'.repeat(40),
      LLM_API_KEY: 'sk-very-secret',
      DATABASE_URL: 'postgresql://netra:db-password@db.internal:5432/netra',
      REDIS_URL: 'redis://:redis-password@cache.internal:6379',
    });
    const shown = publicConfig(config);
    const text = JSON.stringify(shown);
    for (const secret of ['j'.repeat(40), 'sk-very-secret', 'db-password', 'redis-password']) expect(text).not.toContain(secret);
    expect(shown).toMatchObject({ JWT_SECRET: '[set]', LLM_API_KEY: '[set]', PORT: 3000 });
    expect(shown.DATABASE_URL).toBe('postgresql://%5Bredacted%5D:%5Bredacted%5D@db.internal:5432/netra');
  });
});
