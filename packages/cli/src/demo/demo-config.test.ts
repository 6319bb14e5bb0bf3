import { loadConfig } from '@witness/server';
import { describe, expect, it } from 'vitest';
import { DEMO_POLICIES, DEMO_SLOS, demoConfigOverrides } from './demo-config.js';

describe('demo SLOs and policies', () => {
  it('are valid configuration (the server schema parses them)', () => {
    const config = loadConfig({
      env: {},
      flags: demoConfigOverrides({ slos: [], governance: { policies: [] } }),
    });
    expect(config.slos.map((s) => s.name)).toEqual(DEMO_SLOS.map((s) => s.name));
    expect(config.governance.policies.map((p) => p.name)).toEqual(DEMO_POLICIES.map((p) => p.name));
    expect(config.slos[0]!.window).toBe(86_400_000);
  });

  it('leave a configuration that has its own alone', () => {
    expect(demoConfigOverrides({ slos: [{}], governance: { policies: [{}] } })).toEqual({});
    expect(Object.keys(demoConfigOverrides({ slos: [{}], governance: { policies: [] } }))).toEqual([
      'governance',
    ]);
  });
});
