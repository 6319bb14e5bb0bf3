/**
 * Policies end to end on a real `witness serve` with the shipped example policies in its config file:
 * spans sent through the official OTLP exporter violate them; the violations are visible through
 * GET /api/governance/violations (in their project only), counted on /metrics, one audit entry each
 * (and the audit log verifies); a retried batch records nothing twice; SIGHUP re-reads the policies
 * (a bad one keeps those in force); `witness policy test` finds the same matches in the recorded trace.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { getJson, tracerProvider } from './helpers/otel.js';
import { CLI_MAIN, REPO_ROOT, startWitness, type WitnessProcess } from './helpers/witness-process.js';

interface Violation {
  id: number;
  policy: string;
  severity: string;
  traceId: string;
  spanId: string;
  spanName: string;
  mode: string | null;
  matched: Record<string, unknown>;
}

const EXAMPLES = readFileSync(join(REPO_ROOT, 'docs/policies/examples.yaml'), 'utf8');
const configWith = (policiesYaml: string) => `governance:\n${policiesYaml.replace(/^/gm, '  ')}\n`;

let w: WitnessProcess;
let dir: string;
let configFile: string;
let traceId = '';

async function violations(query = '', headers: Record<string, string> = {}): Promise<Violation[]> {
  const res = await fetch(`${w.url}/api/governance/violations${query}`, { headers });
  expect(res.status).toBe(200);
  return ((await res.json()) as { items: Violation[] }).items;
}

async function send(spans: Array<{ name: string; attributes: Record<string, unknown> }>): Promise<string> {
  const provider = tracerProvider(w.url, 'governed-bot');
  const tracer = provider.getTracer('e2e');
  const root = tracer.startSpan(
    'run',
    { attributes: { 'witness.kind': 'agent', 'witness.agent.name': 'grunt' } },
    ROOT_CONTEXT,
  );
  const ctx = trace.setSpan(ROOT_CONTEXT, root);
  for (const s of spans) {
    tracer.startSpan(s.name, { attributes: s.attributes as never }, ctx).end();
    await new Promise((r) => setTimeout(r, 2)); // distinct start times: the LLM output precedes the tool call
  }
  root.end();
  await provider.forceFlush();
  await provider.shutdown();
  return root.spanContext().traceId;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'witness-gov-e2e-'));
  configFile = join(dir, 'witness.yaml');
  writeFileSync(configFile, configWith(EXAMPLES));
  w = await startWitness({ dataDir: join(dir, 'data'), args: ['--config', configFile] });
  traceId = await send([
    {
      name: 'send_email',
      attributes: {
        'witness.kind': 'tool',
        'witness.tool.name': 'send_email',
        'witness.tool.side_effect': true,
        'witness.governance.mode': 'Draft',
        'witness.governance.actor': 'ann',
      },
    },
    {
      name: 'chat',
      attributes: {
        'witness.kind': 'llm',
        'gen_ai.request.model': 'gpt-4o',
        'witness.output': 'You must wire the money immediately.',
        'gen_ai.usage.input_tokens': 10,
        'gen_ai.usage.output_tokens': 8,
      },
    },
    {
      name: 'wire_money',
      attributes: {
        'witness.kind': 'tool',
        'witness.tool.name': 'wire_money',
        'witness.tool.side_effect': true,
        'witness.governance.mode': 'Execute',
      },
    },
  ]);
}, 90_000);

afterAll(async () => {
  await w?.stop();
  rmSync(dir, { recursive: true, force: true });
});

it('records each violation with its policy, severity, span and the values that matched', async () => {
  let items: Violation[] = [];
  await expect
    .poll(async () => {
      items = await violations(`?traceId=${traceId}`);
      return items.length;
    })
    .toBe(3);
  const by = Object.fromEntries(items.map((v) => [v.policy, v]));
  expect(Object.keys(by).sort()).toEqual([
    'execute-without-actor',
    'side-effect-outside-execute',
    'tool-after-prescriptive-output',
  ]);
  expect(by['side-effect-outside-execute']).toMatchObject({
    severity: 'high',
    spanName: 'send_email',
    mode: 'Draft',
    matched: { 'span.kind': 'tool', 'span.sideEffect': true, 'span.mode': 'draft' },
  });
  expect(by['execute-without-actor']).toMatchObject({
    severity: 'critical',
    spanName: 'wire_money',
    matched: { 'span.actor': '' },
  });
  expect(by['tool-after-prescriptive-output']).toMatchObject({
    spanName: 'wire_money',
    matched: { 'trace.lastLlmPrescriptive': true },
  });
  // the LLM span carries the phrase types it was found to hold
  const stored = await getJson<{ spans: Array<{ name: string; attributes: Record<string, unknown> }> }>(
    `${w.url}/api/traces/${traceId}`,
  );
  expect(stored.body.spans.find((s) => s.name === 'chat')!.attributes['witness.prescriptive.types']).toEqual([
    'directive',
    'urgent',
  ]);
  // filters, and project scoping: another project sees none of them
  expect((await violations(`?policy=execute-without-actor&traceId=${traceId}`)).map((v) => v.policy)).toEqual(
    ['execute-without-actor'],
  );
  expect(await violations('', { 'x-witness-project': 'other-team' })).toEqual([]);
  const bad = await fetch(`${w.url}/api/governance/violations?severity=urgent`);
  expect(bad.status).toBe(400);
  expect(await bad.text()).toContain('severity');
});

it('counts violations on /metrics and prescriptive language by type', async () => {
  const scrape = await (await fetch(`${w.url}/metrics`)).text();
  expect(scrape).toMatch(
    /^witness_governance_violations_total\{policy="execute-without-actor",severity="critical"\} 1$/m,
  );
  expect(scrape).toMatch(
    /^witness_governance_violations_total\{policy="side-effect-outside-execute",severity="high"\} 1$/m,
  );
  expect(scrape).toMatch(/^witness_prescriptive_language_total\{type="urgent"\} 1$/m);
});

it('writes one audit entry per violation, and the audit log verifies', async () => {
  const { body } = await getJson<{
    entries: Array<{ type: string; subject: string; spanId: string; details: Record<string, unknown> }>;
  }>(`${w.url}/api/audit?type=policy.violation&traceId=${traceId}`);
  expect(body.entries.map((e) => e.subject).sort()).toEqual([
    'execute-without-actor',
    'side-effect-outside-execute',
    'tool-after-prescriptive-output',
  ]);
  expect(body.entries[0]!.details).toHaveProperty('matched');
  // nobody can forge one by hand
  const forged = await fetch(`${w.url}/api/audit/actions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'policy.violation', actor: 'me', subject: 'x' }),
  });
  expect(forged.status).toBeGreaterThanOrEqual(400);
  const verify = spawnSync(
    process.execPath,
    [CLI_MAIN, 'audit', 'verify', '--data-dir', w.dataDir, '--json'],
    { encoding: 'utf8' },
  );
  expect(verify.status, verify.stderr).toBe(0);
  expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true });
});

it('a retried batch (same span ids) records no violation twice', async () => {
  const body = {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'retry-bot' } }] },
        scopeSpans: [
          {
            spans: [
              {
                traceId: 'ab'.repeat(16),
                spanId: 'cd'.repeat(8),
                name: 'delete_rows',
                kind: 1,
                startTimeUnixNano: String(Date.now() * 1e6),
                endTimeUnixNano: String(Date.now() * 1e6 + 1e6),
                attributes: [
                  { key: 'witness.kind', value: { stringValue: 'tool' } },
                  { key: 'witness.tool.side_effect', value: { boolValue: true } },
                  { key: 'witness.governance.mode', value: { stringValue: 'research' } },
                ],
              },
            ],
          },
        ],
      },
    ],
  };
  const post = () =>
    fetch(`${w.url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  for (let i = 0; i < 3; i++) {
    // the spawnSync of the previous test blocked this process past the server's keep-alive timeout: a
    // request on the pooled connection the server closed fails with a socket error and is sent again
    // (which is what this test is about: a retry must not record twice)
    const res = await post().catch(post);
    expect(res.status).toBe(200);
  }
  expect((await violations(`?traceId=${'ab'.repeat(16)}`)).length).toBe(1);
});

it('`witness policy test` finds the same matches in the recorded trace', async () => {
  const recorded = await getJson(`${w.url}/api/traces/${traceId}`);
  const sample = join(dir, 'sample.json');
  writeFileSync(sample, JSON.stringify(recorded.body));
  const policyFile = join(REPO_ROOT, 'docs/policies/examples.yaml');
  const out = spawnSync(
    process.execPath,
    [CLI_MAIN, 'policy', 'test', '--policy', policyFile, '--spans', sample, '--json'],
    { encoding: 'utf8' },
  );
  expect(out.status, out.stderr).toBe(0);
  const result = JSON.parse(out.stdout) as {
    spans: number;
    results: Array<{ policy: string; matches: Array<{ span: string }> }>;
  };
  expect(result.spans).toBe(4);
  const matched = Object.fromEntries(result.results.map((r) => [r.policy, r.matches.map((m) => m.span)]));
  expect(matched).toEqual({
    'side-effect-outside-execute': ['send_email'],
    'execute-without-actor': ['wire_money'],
    'run-over-budget': [],
    'model-not-allowed': [],
    'tool-after-prescriptive-output': ['wire_money'],
  });
  const text = spawnSync(
    process.execPath,
    [CLI_MAIN, 'policy', 'test', '--policy', policyFile, '--spans', sample],
    { encoding: 'utf8' },
  );
  expect(text.stdout).toContain('MATCH    execute-without-actor (critical, record): 1 span(s)');
  expect(text.stdout).toContain('no match model-not-allowed');
  const broken = join(dir, 'broken.yaml');
  writeFileSync(broken, 'policies:\n  - name: x\n    expression: "spam.kind == 1"\n');
  const err = spawnSync(
    process.execPath,
    [CLI_MAIN, 'policy', 'test', '--policy', broken, '--spans', sample],
    { encoding: 'utf8' },
  );
  expect(err.status).toBe(1);
  expect(err.stderr).toContain('policy x: Unknown variable: spam');
});

it('SIGHUP re-reads the policies from the config file; a bad policy keeps those in force', async () => {
  const extra = `policies:\n  - name: no-deletes\n    expression: span.kind == "tool" && span.tool == "delete_rows"\n    severity: low\n`;
  writeFileSync(configFile, configWith(extra));
  w.child.kill('SIGHUP');
  await expect.poll(() => w.stderr()).toContain('reloaded the governance policies');
  const t2 = await send([
    {
      name: 'delete_rows',
      attributes: {
        'witness.kind': 'tool',
        'witness.tool.name': 'delete_rows',
        'witness.tool.side_effect': true,
      },
    },
  ]);
  await expect
    .poll(async () => (await violations(`?traceId=${t2}`)).map((v) => v.policy))
    .toEqual(['no-deletes']);
  // a policy that does not compile: logged, and no-deletes stays in force
  writeFileSync(configFile, configWith(`policies:\n  - name: broken\n    expression: "span.kind =="\n`));
  w.child.kill('SIGHUP');
  await expect.poll(() => w.stderr()).toContain('policy reload failed');
  const t3 = await send([
    { name: 'delete_rows', attributes: { 'witness.kind': 'tool', 'witness.tool.name': 'delete_rows' } },
  ]);
  await expect
    .poll(async () => (await violations(`?traceId=${t3}`)).map((v) => v.policy))
    .toEqual(['no-deletes']);
  // the change is audited as a people action
  const { body } = await getJson<{ entries: Array<{ subject: string; details: { after: string[] } }> }>(
    `${w.url}/api/audit?type=config.change`,
  );
  expect(
    body.entries.some((e) => e.subject === 'governance.policies' && e.details.after.includes('no-deletes')),
  ).toBe(true);
});
