import { describe, expect, it } from 'vitest';
import { problemsOf, WitnessConfigError } from './check-options.js';
import { initShape, toolShape } from './option-shapes.js';

describe('problemsOf', () => {
  it('accepts every documented init option', () => {
    expect(
      problemsOf(
        {
          serviceName: 's',
          resource: { 'service.version': '1' },
          spanProcessors: [{ onEnd() {} }],
          registerGlobal: false,
          endpoint: 'http://localhost:4318',
          exporter: { headers: { a: 'b' }, protocol: 'http/json', compression: 'none', timeoutMillis: 5 },
          batch: { maxQueueSize: 10, maxRetries: 0, deliveryWarningMillis: 0, onWarning: () => {} },
          flushOnExit: true,
          // undefined is "not set": spreading partial options must not fail
          serviceNameUnused: undefined,
        },
        { ...initShape, fields: { ...initShape.fields, serviceNameUnused: initShape.fields.serviceName } },
      ),
    ).toEqual([]);
  });

  it('names an unknown key and the closest known one, at any depth', () => {
    expect(problemsOf({ url: 'http://x' }, initShape)).toEqual([
      'unknown option `url` — did you mean `exporter.url`?',
    ]);
    expect(problemsOf({ service_name: 'x' }, initShape)).toEqual([
      'unknown option `service_name` — did you mean `serviceName`?',
    ]);
    expect(problemsOf({ exporter: { endpoint: 'http://x' } }, initShape)[0]).toMatch(
      /^unknown option `exporter\.endpoint` — did you mean `exporter\.url` \(the full traces URL\)\?/,
    );
    expect(problemsOf({ batch: { maxQueSize: 5 } }, initShape)).toEqual([
      'unknown option `batch.maxQueSize` — did you mean `batch.maxQueueSize`?',
    ]);
    expect(problemsOf({ apiKey: 'k' }, initShape)[0]).toContain('`exporter.headers`');
    // nothing close: the list of what exists
    expect(problemsOf({ zzzzzz: 1 }, toolShape)[0]).toBe(
      'unknown option `zzzzzz` — known options: `name`, `args`, `sideEffect`, `callId`, `captureResult`, `attributes`',
    );
  });

  it('names a wrong type with the expected one, and a missing required key', () => {
    expect(problemsOf({ exporter: { timeoutMillis: '5000' } }, initShape)).toEqual([
      'option `exporter.timeoutMillis` must be a positive integer, got string "5000"',
    ]);
    expect(problemsOf({ exporter: { protocol: 'grpc' } }, initShape)).toEqual([
      "option `exporter.protocol` must be 'http/protobuf' or 'http/json', got string \"grpc\"",
    ]);
    expect(problemsOf({ endpoint: 'localhost:4318' }, initShape)[0]).toMatch(
      /^option `endpoint` must be an http\(s\) URL string/,
    );
    expect(problemsOf({ flushOnExit: 'yes', exporter: true }, initShape)).toHaveLength(2);
    expect(problemsOf({ sideEffect: true }, toolShape)).toEqual([
      'option `name` is required (a non-empty string)',
    ]);
    expect(problemsOf('tool', toolShape)).toEqual(['options must be an object, got string "tool"']);
  });

  it('WitnessConfigError lists every problem', () => {
    const e = new WitnessConfigError('init()', ['a', 'b']);
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toBe('Witness init(): 2 problems in the options:\n  - a\n  - b');
    expect(new WitnessConfigError('init()', ['a']).message).toBe('Witness init(): a');
  });
});
