import { describe, expect, it } from 'vitest';
import { newSpanRecord } from '../model/index.js';
import {
  boundDerivedFields,
  boundLogs,
  boundSpans,
  TRUNCATED_ATTRIBUTE,
  TRUNCATED_FIELDS_ATTRIBUTE,
} from './bound-strings.js';
import { DEFAULT_DECODE_LIMITS, type DecodeLimits } from './errors.js';

const limits: DecodeLimits = { ...DEFAULT_DECODE_LIMITS, maxNameBytes: 16, maxAttributeValueBytes: 32 };

describe('boundSpans', () => {
  it('cuts names, service, scope, status and event names, and lists what was cut', () => {
    const service = 's'.repeat(1_000_000);
    const a = newSpanRecord(service, {}, 'scope', '1.0');
    a.name = 'n'.repeat(1_000_000);
    a.statusMessage = 'm'.repeat(100);
    a.events.push({ name: 'e'.repeat(17), timeUnixNano: 1n, attributes: {} });
    const b = newSpanRecord(service, {}, 'scope', '1.0');
    b.name = 'short';
    boundSpans([a, b], limits);
    expect(a.name).toBe(`${'n'.repeat(16)}…[truncated 1000000 bytes]`);
    expect(a.serviceName).toBe(`${'s'.repeat(16)}…[truncated 1000000 bytes]`);
    expect(b.serviceName).toBe(a.serviceName);
    expect(a.statusMessage).toBe(`${'m'.repeat(32)}…[truncated 100 bytes]`);
    expect(a.events[0].name).toBe(`${'e'.repeat(16)}…[truncated 17 bytes]`);
    expect(a.attributes[TRUNCATED_ATTRIBUTE]).toBe(true);
    expect(a.attributes[TRUNCATED_FIELDS_ATTRIBUTE]).toEqual([
      'name',
      'serviceName',
      'statusMessage',
      'events.name',
    ]);
    expect(b.name).toBe('short');
    expect(b.scopeName).toBe('scope');
    expect(b.attributes[TRUNCATED_FIELDS_ATTRIBUTE]).toEqual(['serviceName']);
  });

  it('never cuts inside a character (UTF-8 safe)', () => {
    const s = newSpanRecord('svc', {}, '', '');
    s.name = `${'a'.repeat(15)}€€`; // € is 3 bytes: the limit (16) falls inside the first one
    boundSpans([s], limits);
    expect(s.name).toBe(`${'a'.repeat(15)}…[truncated 21 bytes]`);
    expect(s.name.isWellFormed()).toBe(true);
  });

  it('leaves a record within the limits untouched, with no marker attribute', () => {
    const s = newSpanRecord('svc', { k: 'v' }, 'scope', '1');
    s.name = 'x'.repeat(16);
    boundSpans([s], limits);
    expect(s.name).toBe('x'.repeat(16));
    expect(s.attributes).toEqual({});
  });
});

describe('boundDerivedFields', () => {
  it('cuts model, provider, session, user, agent and tool, keeping nulls', () => {
    const s = newSpanRecord('svc', {}, '', '');
    s.model = 'gpt-'.repeat(10);
    s.sessionId = 'x'.repeat(64 * 1024);
    s.userId = null;
    s.toolName = 'search';
    boundDerivedFields([s], limits);
    expect(s.model).toBe(`${'gpt-'.repeat(4)}…[truncated 40 bytes]`);
    expect(s.sessionId).toBe(`${'x'.repeat(16)}…[truncated 65536 bytes]`);
    // a value cut before (an attribute at decode) keeps its original size in the marker
    const again = newSpanRecord('svc', {}, '', '');
    again.userId = `${'u'.repeat(32)}…[truncated 1000000 bytes]`;
    boundDerivedFields([again], limits);
    expect(again.userId).toBe(`${'u'.repeat(16)}…[truncated 1000000 bytes]`);
    expect(s.userId).toBeNull();
    expect(s.toolName).toBe('search');
    expect(s.attributes[TRUNCATED_FIELDS_ATTRIBUTE]).toEqual(['model', 'sessionId']);
  });
});

describe('boundLogs', () => {
  it('cuts service, scope and severity text', () => {
    const log = {
      timeUnixNano: 1n,
      observedTimeUnixNano: 1n,
      severityNumber: 9,
      severityText: 'I'.repeat(20),
      body: 'hello',
      traceId: null,
      spanId: null,
      serviceName: 'svc',
      attributes: {},
      resource: {},
      scopeName: 'scope',
    };
    boundLogs([log], limits);
    expect(log.severityText).toBe(`${'I'.repeat(16)}…[truncated 20 bytes]`);
    expect(log.attributes).toEqual({
      [TRUNCATED_ATTRIBUTE]: true,
      [TRUNCATED_FIELDS_ATTRIBUTE]: ['severityText'],
    });
  });
});
