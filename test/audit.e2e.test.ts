/**
 * The audit trail end to end: agent spans through the official OTLP exporter into a real `witness
 * serve`, the audit entries found through the API, proofs checked against the signed checkpoint with
 * the public key alone, and `witness audit verify` run beside the live server and after it stops.
 */
import { spawnSync } from 'node:child_process';
import { createHash, createPublicKey, verify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT_CONTEXT, SpanStatusCode, trace } from '@opentelemetry/api';
import { checkpointMessage, encodeEntry, leafHash, verifyInclusion } from '@witness/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, tracerProvider } from './helpers/otel.js';
import { CLI_MAIN, startWitness, type WitnessProcess } from './helpers/witness-process.js';

interface EntryJson {
  seq: number;
  type: string;
  actor: string | null;
  subject: string | null;
  agent: string | null;
  session: string | null;
  traceId: string | null;
  spanId: string | null;
  details: Record<string, unknown>;
}

describe('audit trail through a real server', () => {
  let w: WitnessProcess;
  let dataDir: string;
  let traceId = '';

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'witness-audit-e2e-'));
    w = await startWitness({ dataDir });
    const provider = tracerProvider(w.url, 'support-bot');
    const tracer = provider.getTracer('e2e');
    const root = tracer.startSpan(
      'agent run',
      {
        attributes: {
          'witness.kind': 'agent',
          'witness.agent.name': 'refunder',
          'witness.session.id': 's-1',
          'witness.user.id': 'u-42',
          'witness.governance.actor': 'alice@example.com',
          'witness.governance.mode': 'autonomous',
          'witness.governance.workflow': 'refunds',
        },
      },
      ROOT_CONTEXT,
    );
    {
      // The test registers no context manager: parent explicitly.
      const ctx = trace.setSpan(ROOT_CONTEXT, root);
      traceId = root.spanContext().traceId;
      const llm = tracer.startSpan(
        'chat',
        {
          attributes: {
            'witness.kind': 'llm',
            'gen_ai.request.model': 'gpt-4o',
            'witness.input': 'secret prompt',
            'witness.output': 'the answer',
            'witness.agent.name': 'refunder',
          },
        },
        ctx,
      );
      llm.end();
      const decision = tracer.startSpan(
        'choose',
        {
          attributes: {
            'witness.kind': 'decision',
            'witness.decision.choice': 'refund',
            'witness.decision.alternatives': ['refund', 'deny'],
            'witness.agent.name': 'refunder',
          },
        },
        ctx,
      );
      decision.end();
      const tool = tracer.startSpan(
        'issue_refund',
        {
          attributes: {
            'witness.kind': 'tool',
            'witness.tool.name': 'issue_refund',
            'witness.tool.side_effect': true,
            'witness.agent.name': 'refunder',
          },
        },
        ctx,
      );
      tool.setStatus({ code: SpanStatusCode.ERROR, message: 'payment gateway down' });
      tool.end();
      root.end();
    }
    await provider.forceFlush();
    await provider.shutdown();
  }, 60_000);

  afterAll(async () => {
    await w?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('records tool call (side effect), decision, error and LLM call by reference, queryable by traceId', async () => {
    const { status, body } = await getJson<{ entries: EntryJson[] }>(`${w.url}/api/audit?traceId=${traceId}`);
    expect(status).toBe(200);
    const byType = Object.fromEntries(body.entries.map((e) => [e.type, e]));
    expect(Object.keys(byType).sort()).toEqual(['agent.error', 'decision', 'llm.call', 'tool.call']);
    expect(byType['tool.call']).toMatchObject({
      subject: 'issue_refund',
      agent: 'refunder',
      details: { sideEffect: true, status: 'error' },
    });
    expect(byType.decision).toMatchObject({ subject: 'refund' });
    expect(byType['agent.error']?.details.message).toBe('payment gateway down');
    const llm = byType['llm.call'] as EntryJson;
    expect(llm.details.promptSha256).toBe(createHash('sha256').update('secret prompt').digest('hex'));
    expect(JSON.stringify(body.entries)).not.toContain('secret prompt');
    const onlyTools = await getJson<{ entries: EntryJson[] }>(
      `${w.url}/api/audit?type=tool.call&agent=refunder`,
    );
    expect(onlyTools.body.entries.map((e) => e.type)).toEqual(['tool.call']);

    // The audit log's health is on /metrics, for the stale-checkpoint alert and the dashboards.
    const all = await getJson<{ entries: EntryJson[] }>(`${w.url}/api/audit?limit=1000`);
    const gauge = async (name: string) => {
      const scrape = await (await fetch(`${w.url}/metrics`)).text();
      return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(scrape)?.[1]);
    };
    expect(await gauge('witness_audit_log_entries')).toBe(all.body.entries.length);
    expect(await gauge('witness_audit_log_size_bytes')).toBeGreaterThan(0);
    // a checkpoint is signed within a second of entries arriving
    await expect
      .poll(() => gauge('witness_audit_last_checkpoint_timestamp_seconds'), { timeout: 5000 })
      .toBeGreaterThan(Date.now() / 1000 - 600);
  });

  it('an entry is provably in the signed log, checked with the public key alone', async () => {
    let cp: {
      size: number;
      rootHash: string;
      signature: string;
      publicKey: string;
      logId: string;
      timestamp: number;
    };
    const { body } = await getJson<{ entries: EntryJson[] }>(
      `${w.url}/api/audit?traceId=${traceId}&type=tool.call`,
    );
    const seq = (body.entries[0] as EntryJson).seq;
    for (;;) {
      const r = await getJson<typeof cp>(`${w.url}/api/audit/checkpoints/latest`);
      if (r.status === 200 && r.body.size > seq) {
        cp = r.body;
        break;
      }
      await new Promise((ok) => setTimeout(ok, 200));
    }
    expect(
      verify(null, checkpointMessage(cp), createPublicKey(cp.publicKey), Buffer.from(cp.signature, 'base64')),
    ).toBe(true);
    const entry = await getJson<{ entry: EntryJson; leafHash: string }>(`${w.url}/api/audit/entries/${seq}`);
    expect(leafHash(encodeEntry(entry.body.entry as never)).toString('hex')).toBe(entry.body.leafHash);
    const proof = await getJson<{ proof: string[] }>(
      `${w.url}/api/audit/proofs/inclusion?index=${seq}&size=${cp.size}`,
    );
    const ok = verifyInclusion(
      seq,
      cp.size,
      Buffer.from(entry.body.leafHash, 'hex'),
      proof.body.proof.map((h) => Buffer.from(h, 'hex')),
      Buffer.from(cp.rootHash, 'hex'),
    );
    expect(ok).toBe(true);
    const bad = await fetch(`${w.url}/api/audit/proofs/inclusion?index=abc`);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('index');
  });

  it('`witness audit verify` passes beside the running server and after a clean stop', async () => {
    const live = spawnSync(process.execPath, [CLI_MAIN, 'audit', 'verify', '--data-dir', dataDir, '--json'], {
      encoding: 'utf8',
    });
    expect(live.status, live.stderr).toBe(0);
    expect(JSON.parse(live.stdout)).toMatchObject({ ok: true });
    await w.stop();
    const after = spawnSync(process.execPath, [CLI_MAIN, 'audit', 'verify', '--data-dir', dataDir], {
      encoding: 'utf8',
    });
    expect(after.status, after.stderr).toBe(0);
    expect(after.stdout).toMatch(/OK: \d+ entries, \d+ checkpoints.*0 entries after the last checkpoint/);
    const pub = spawnSync(process.execPath, [CLI_MAIN, 'audit', 'public-key', '--data-dir', dataDir], {
      encoding: 'utf8',
    });
    expect(pub.stdout).toContain('BEGIN PUBLIC KEY');
  });
});
