import { describe, expect, it } from 'vitest';
import { configSchema } from '../config/schema.js';
import { authEnabled, checkStartSafety, InsecureStartError } from './create-auth.js';

const config = (server: Record<string, unknown>) => configSchema.parse({ server });
const quiet = { warn() {} };

describe('auth defaults with OTLP/gRPC on its own interface', () => {
  it('stays off when HTTP and gRPC both listen on loopback', () => {
    expect(authEnabled(config({ grpc: { enabled: true } }))).toBe(false);
    expect(authEnabled(config({ grpc: { enabled: true, host: '::1' } }))).toBe(false);
  });

  it('turns on when the gRPC interface is reachable from the network, even with HTTP on loopback', () => {
    expect(authEnabled(config({ grpc: { enabled: true, host: '0.0.0.0' } }))).toBe(true);
    // a host for a gRPC listener that is off opens nothing
    expect(authEnabled(config({ grpc: { enabled: false, host: '0.0.0.0' } }))).toBe(false);
  });

  it('refuses to serve gRPC on the network with auth off unless --insecure', () => {
    const open = configSchema.parse({
      server: { grpc: { enabled: true, host: '0.0.0.0' } },
      auth: { enabled: false },
    });
    expect(() => checkStartSafety(open, false, quiet)).toThrow(InsecureStartError);
    expect(() => checkStartSafety(open, false, quiet)).toThrow(/0\.0\.0\.0/);
    expect(() => checkStartSafety(open, true, quiet)).not.toThrow();
  });
});
