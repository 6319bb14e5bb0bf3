/**
 * What every public options object accepts. Keep these in step with the option interfaces
 * (`InitOptions`, `WitnessOptions`, `OtlpTraceExporterOptions`, `BatchSpanProcessorOptions`, the
 * helpers' options): a key missing here is rejected as unknown, which the tests beside this file catch.
 */
import { type Field, isPlainObject, type Shape } from './check-options.js';

/** A project id, as `projectIdSchema` in @witness/protocol says (the SDK does not depend on it). */
export const PROJECT_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;

const string: Field = { expect: 'a string', ok: (v) => typeof v === 'string' };
const name: Field = {
  expect: 'a non-empty string',
  ok: (v) => typeof v === 'string' && v !== '',
  required: true,
};
const boolean: Field = { expect: 'a boolean', ok: (v) => typeof v === 'boolean' };
const fn: Field = { expect: 'a function', ok: (v) => typeof v === 'function' };
const finiteNumber: Field = {
  expect: 'a finite number',
  ok: (v) => typeof v === 'number' && Number.isFinite(v),
};
const positiveInt: Field = {
  expect: 'a positive integer',
  ok: (v) => typeof v === 'number' && Number.isInteger(v) && v > 0,
};
const nonNegativeInt: Field = {
  expect: 'an integer ≥ 0',
  ok: (v) => typeof v === 'number' && Number.isInteger(v) && v >= 0,
};
const millis: Field = {
  expect: 'a number of milliseconds ≥ 0',
  ok: (v) => typeof v === 'number' && Number.isFinite(v) && v >= 0,
};
const attributes: Field = {
  expect: 'an object of attribute values (string, number, boolean or arrays of them)',
  ok: isPlainObject,
};
const stringArray: Field = {
  expect: 'an array of strings',
  ok: (v) => Array.isArray(v) && v.every((x) => typeof x === 'string'),
};
const oneOf = (...values: string[]): Field => ({
  expect: values.map((x) => `'${x}'`).join(' or '),
  ok: (v) => typeof v === 'string' && values.includes(v),
});

/** An http(s) URL: checked at setup so a typo fails here, not as silent export errors later. */
export const isHttpUrl = (v: unknown): boolean => {
  if (typeof v !== 'string') return false;
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
};
const url = (what: string): Field => ({ expect: `an http(s) URL string (${what})`, ok: isHttpUrl });

export const exporterShape: Shape = {
  fields: {
    url: url('the full traces URL, e.g. http://localhost:4318/v1/traces'),
    headers: {
      expect: 'an object of string header values',
      ok: (v) => isPlainObject(v) && Object.values(v).every((x) => typeof x === 'string'),
    },
    protocol: oneOf('http/protobuf', 'http/json'),
    compression: oneOf('gzip', 'none'),
    timeoutMillis: positiveInt,
  },
  hints: {
    endpoint:
      'did you mean `exporter.url` (the full traces URL)? For a base URL such as http://localhost:4318, use the top-level `endpoint` option',
    timeout: 'did you mean `exporter.timeoutMillis`?',
  },
};

export const batchShape: Shape = {
  fields: {
    maxQueueSize: positiveInt,
    maxExportBatchSize: positiveInt,
    scheduledDelayMillis: millis,
    maxRetries: nonNegativeInt,
    initialBackoffMillis: millis,
    maxBackoffMillis: millis,
    flushTimeoutMillis: millis,
    deliveryWarningMillis: millis,
    onWarning: fn,
  },
};

const spanProcessors: Field = {
  expect: 'an array of span processors (objects with onEnd())',
  ok: (v) =>
    Array.isArray(v) &&
    v.every((p) => isPlainObjectLike(p) && typeof (p as { onEnd?: unknown }).onEnd === 'function'),
};
const isPlainObjectLike = (v: unknown): boolean => typeof v === 'object' && v !== null;

const witnessFields: Record<string, Field> = {
  serviceName: { expect: 'a non-empty string', ok: (v) => typeof v === 'string' && v !== '' },
  resource: attributes,
  spanProcessors,
  registerGlobal: boolean,
};

const authHint = 'did you mean `exporter.headers`? e.g. exporter: { headers: { authorization: `Bearer …` } }';
const resourceHint = (key: string) => `did you mean \`resource\`? e.g. resource: { '${key}': … }`;

export const witnessShape: Shape = {
  fields: witnessFields,
  hints: {
    endpoint:
      '`new Witness()` does not export on its own: use `init({ endpoint })`, or pass `spanProcessors: [new BatchSpanProcessor(new OtlpTraceExporter({ url }))]`',
    exporter:
      '`new Witness()` does not export on its own: use `init({ exporter })`, or pass `spanProcessors`',
    service: 'did you mean `serviceName`?',
    name: 'did you mean `serviceName`?',
  },
};

export const initShape: Shape = {
  fields: {
    ...witnessFields,
    endpoint: url('the OTLP base URL, e.g. http://localhost:4318; `/v1/traces` is appended'),
    exporter: {
      expect: 'an object of exporter options, or false for no export',
      ok: (v) => v === false || isPlainObject(v),
      shape: exporterShape,
    },
    batch: { expect: 'an object of batching options', ok: isPlainObject, shape: batchShape },
    flushOnExit: boolean,
    project: {
      // the same rule as projectIdSchema in @witness/protocol (checked equal by a test beside this file)
      expect: 'a project id: 1–63 of a-z, 0-9, "_" and "-", starting with a letter or digit',
      ok: (v) => typeof v === 'string' && PROJECT_ID.test(v),
    },
  },
  hints: {
    tenant: 'did you mean `project`?',
    projectId: 'did you mean `project`?',
    service: 'did you mean `serviceName`?',
    name: 'did you mean `serviceName`?',
    apiKey: authHint,
    token: authHint,
    authorization: authHint,
    timeout: 'did you mean `exporter.timeoutMillis`?',
    serviceVersion: resourceHint('service.version'),
    version: resourceHint('service.version'),
    environment: resourceHint('deployment.environment.name'),
    env: resourceHint('deployment.environment.name'),
    processors: 'did you mean `spanProcessors`?',
  },
};

export const wrapShape: Shape = {
  fields: {
    witness: {
      expect: 'a Witness instance',
      ok: (v) => typeof v === 'object' && v !== null && 'tracer' in v,
    },
    captureContent: boolean,
  },
};

export const agentShape: Shape = { fields: { name, id: string, attributes } };

const usageShape: Shape = {
  fields: {
    inputTokens: finiteNumber,
    outputTokens: finiteNumber,
    cacheReadTokens: finiteNumber,
    cacheCreationTokens: finiteNumber,
    reasoningTokens: finiteNumber,
  },
};

export const llmShape: Shape = {
  fields: {
    provider: name,
    model: name,
    operation: string,
    input: { expect: 'anything', ok: () => true },
    temperature: finiteNumber,
    maxTokens: finiteNumber,
    usage: { expect: 'an object of token counts', ok: isPlainObject, shape: usageShape },
    costUsd: finiteNumber,
    attributes,
  },
};

export const toolShape: Shape = {
  fields: {
    name,
    args: { expect: 'anything', ok: () => true },
    sideEffect: boolean,
    callId: string,
    captureResult: boolean,
    attributes,
  },
  hints: { arguments: 'did you mean `args`?', input: 'did you mean `args`?' },
};

export const decisionShape: Shape = {
  fields: {
    choice: name,
    alternatives: stringArray,
    confidence: { expect: 'a number from 0 to 1', ok: (v) => typeof v === 'number' && v >= 0 && v <= 1 },
    rationale: string,
    attributes,
  },
  hints: { reason: 'did you mean `rationale`?', options: 'did you mean `alternatives`?' },
};

export const governanceShape: Shape = {
  fields: { mode: string, actor: string, actorRole: string, workflow: string, outcome: string },
  hints: { role: 'did you mean `actorRole`?' },
};
