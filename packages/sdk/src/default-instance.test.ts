import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OtlpReceiver } from '../test/otlp-receiver.js';
import { agent, flush, init, shutdown, tool } from './default-instance.js';
import { tracesUrlOf, WitnessOtelSpanProcessor } from './export/index.js';
import { projectIdSchema } from '@witness/protocol';
import { WitnessConfigError } from './options/index.js';
import { PROJECT_ID } from './options/option-shapes.js';
import { wrapAnthropic, wrapOpenAI } from './wrappers/index.js';
import { Witness } from './witness.js';

const receiver = new OtlpReceiver();
beforeAll(() => receiver.start());
afterAll(() => receiver.stop());

it('init() delivers the spans of a program that just ends (flush on beforeExit, no explicit flush)', async () => {
  const script = fileURLToPath(new URL('../test/short-lived-init.ts', import.meta.url));
  // the batch delay is a minute: only the exit hook can have sent these spans
  await promisify(execFile)(process.execPath, ['--import', 'tsx', script, receiver.url], { timeout: 20_000 });
  expect(receiver.spans.map((s) => s.name).sort()).toEqual([
    'execute_tool compute',
    'invoke_agent cli-agent',
  ]);
  expect(receiver.spans[0].resource['service.name']).toBe('short-cli');
  expect(
    receiver.spans.find((s) => s.name === 'execute_tool compute')?.attributes['gen_ai.tool.call.result'],
  ).toBe('42');
});

describe('init() options', () => {
  afterEach(() => shutdown());

  it('sends `project` as the x-witness-project header, beside the exporter headers', async () => {
    const before = receiver.requests.length;
    init({
      serviceName: 'projects',
      endpoint: receiver.url.replace(/\/v1\/traces$/, ''),
      project: 'team-a',
      exporter: { headers: { authorization: 'Bearer k' } },
    });
    tool('t', () => 1);
    await flush();
    const sent = receiver.requests.slice(before);
    expect(sent.length).toBeGreaterThan(0);
    expect(sent[0].headers['x-witness-project']).toBe('team-a');
    expect(sent[0].headers.authorization).toBe('Bearer k');
  });

  it('refuses a malformed project, naming the option; its rule is projectIdSchema', () => {
    expect(() => init({ project: 'Team A' })).toThrow(/option `project` must be a project id/);
    expect(() => init({ project: '' })).toThrow(/`project`/);
    for (const id of [
      'default',
      'team-a',
      'a_1',
      '9',
      'x'.repeat(63),
      'x'.repeat(64),
      'A',
      '-a',
      'a/b',
      'a b',
      '',
    ])
      expect(PROJECT_ID.test(id), id).toBe(projectIdSchema.safeParse(id).success);
  });

  it('throws, naming the right key, for an unknown option', () => {
    expect(() => init({ serviceName: 'x', url: 'http://127.0.0.1:1' } as never)).toThrow(
      new WitnessConfigError('init()', ['unknown option `url` — did you mean `exporter.url`?']),
    );
    expect(() => init({ exporter: { endpoint: 'http://127.0.0.1:1' } } as never)).toThrow(
      /unknown option `exporter\.endpoint` — did you mean `exporter\.url`/,
    );
  });

  it('throws, naming the key and the expected type, for a wrong type', () => {
    expect(() => init({ serviceName: 42 } as never)).toThrow(
      'Witness init(): option `serviceName` must be a non-empty string, got number 42',
    );
    expect(() => init({ batch: { maxQueueSize: -1 }, flushOnExit: 'no' } as never)).toThrow(
      /2 problems[\s\S]*`batch\.maxQueueSize` must be a positive integer, got number -1[\s\S]*`flushOnExit` must be a boolean/,
    );
    expect(() =>
      init({ endpoint: 'http://127.0.0.1:1', exporter: { url: 'http://127.0.0.1:1/v1/traces' } }),
    ).toThrow(/either `endpoint`[\s\S]*or `exporter\.url`/);
  });

  it('new Witness() and the wrappers refuse unknown options too', () => {
    expect(() => new Witness({ endpoint: 'http://x' } as never)).toThrow(/does not export on its own/);
    expect(() => wrapOpenAI({}, { capturecontent: false } as never)).toThrow(
      'Witness wrapOpenAI(): unknown option `capturecontent` — did you mean `captureContent`?',
    );
    expect(() => wrapAnthropic({}, { captureContent: 'no' } as never)).toThrow(
      'Witness wrapAnthropic(): option `captureContent` must be a boolean, got string "no"',
    );
    expect(() => new WitnessOtelSpanProcessor({ url: 'nope' })).toThrow(
      /exporter options: option `url` must be an http\(s\) URL/,
    );
  });

  it('`endpoint` is the OTLP base URL: spans arrive at {endpoint}/v1/traces', async () => {
    const before = receiver.spans.length;
    init({
      serviceName: 'endpoint-alias',
      endpoint: `http://127.0.0.1:${receiver.port}/`,
      flushOnExit: false,
    });
    await agent('alias-agent', () => tool('alias-tool', () => 7));
    await flush();
    const got = receiver.spans.slice(before);
    expect(got.map((s) => s.name).sort()).toEqual(['execute_tool alias-tool', 'invoke_agent alias-agent']);
    expect(got[0].resource['service.name']).toBe('endpoint-alias');
    expect(tracesUrlOf('http://h:4318')).toBe('http://h:4318/v1/traces');
    expect(tracesUrlOf('http://h:4318/v1/traces/')).toBe('http://h:4318/v1/traces');
  });
});
