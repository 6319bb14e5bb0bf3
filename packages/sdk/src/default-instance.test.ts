import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { OtlpReceiver } from '../test/otlp-receiver.js';

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
