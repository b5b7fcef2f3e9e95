import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './load-config.ts';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((p) => `${p.variable}: ${p.message}`);
    throw error;
  }
  return [];
}

describe('rate-limit settings', () => {
  it('default on, with per-IP, per-client and credential limits and no trusted proxy', () => {
    expect(loadConfig({}).rateLimit).toEqual({
      enabled: true,
      perIp: { points: 600, durationS: 60 },
      perClient: { points: 1200, durationS: 60 },
      perModule: { points: 60000, durationS: 60 },
      credentials: { points: 20, durationS: 60 },
      trustedProxies: [],
    });
  });

  it('reads <requests>/<window> with a unit, RATE_LIMIT=false and a list of proxies', () => {
    const config = loadConfig({
      RATE_LIMIT: 'false',
      RATE_LIMIT_PER_IP: '100/1m',
      RATE_LIMIT_PER_CLIENT: '5000/1h',
      RATE_LIMIT_PER_MODULE: '100/1s',
      RATE_LIMIT_TOKEN: '5 / 30',
      TRUSTED_PROXIES: '10.0.0.0/8, 192.0.2.7,fd00::/8',
    });
    expect(config.rateLimit).toEqual({
      enabled: false,
      perIp: { points: 100, durationS: 60 },
      perClient: { points: 5000, durationS: 3600 },
      perModule: { points: 100, durationS: 1 },
      credentials: { points: 5, durationS: 30 },
      trustedProxies: ['10.0.0.0/8', '192.0.2.7', 'fd00::/8'],
    });
  });

  it('names each bad value', () => {
    const problems = problemsOf({
      RATE_LIMIT: 'sometimes',
      RATE_LIMIT_PER_IP: '600',
      RATE_LIMIT_PER_CLIENT: '0/60s',
      RATE_LIMIT_TOKEN: '20/500ms',
      TRUSTED_PROXIES: '10.0.0.0/33,proxy.local',
    });
    expect(problems).toEqual([
      'RATE_LIMIT: must be one of true, false, 1, 0, yes, no, on, off',
      'RATE_LIMIT_PER_IP: must be <requests>/<window>, both greater than 0, the window in s, m, h or d (e.g. 600/60s or 20/1m)',
      'RATE_LIMIT_PER_CLIENT: must be <requests>/<window>, both greater than 0, the window in s, m, h or d (e.g. 600/60s or 20/1m)',
      'RATE_LIMIT_TOKEN: must be <requests>/<window>, both greater than 0, the window in s, m, h or d (e.g. 600/60s or 20/1m)',
      'TRUSTED_PROXIES: "10.0.0.0/33" is not an IP address or CIDR range such as 10.0.0.0/8 or fd00::/8',
      'TRUSTED_PROXIES: "proxy.local" is not an IP address or CIDR range such as 10.0.0.0/8 or fd00::/8',
    ]);
  });
});
