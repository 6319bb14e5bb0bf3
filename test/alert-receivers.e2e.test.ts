/**
 * What each receiver type puts on the wire, checked by something other than our own code:
 * - Slack and PagerDuty: a local receiver takes the real HTTP request and validates the body against
 *   JSON Schemas written from the vendors' published references (Slack: incoming webhooks + Block Kit
 *   limits, https://api.slack.com/reference/block-kit/blocks; PagerDuty: Events API v2,
 *   https://developer.pagerduty.com/api-reference/368ae3d938c9e-send-an-event-to-pager-duty);
 * - Alertmanager: Debian's `prometheus-alertmanager` binary receives our alerts over its v2 API and
 *   shows them (and their resolution) in its own API. In CI a missing binary fails the test.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NotificationGroup } from '@witness/server';
import { sendNotification } from '@witness/server';
import Ajv2020 from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AlertReceiver, startAlertReceiver } from './helpers/alert-receiver.js';

const firingAlert = {
  fingerprint: 'a1b2c3d4e5f60718',
  status: 'firing' as const,
  labels: {
    alertname: 'ErrorBudgetBurn',
    slo: 'checkout-availability',
    severity: 'page',
    project: 'default',
    service: 'checkout',
  },
  annotations: {
    summary: 'SLO checkout-availability is burning its error budget at 14.4×',
    runbook_url: 'https://runbooks.example.com/checkout',
  },
  startsAt: Date.now() - 60_000,
  endsAt: null,
  generatorURL: 'http://127.0.0.1:4318/alerts?fingerprint=a1b2c3d4e5f60718',
};
const group = (status: 'firing' | 'resolved'): NotificationGroup => ({
  receiver: 'r',
  groupKey: 'r:{alertname="ErrorBudgetBurn",slo="checkout-availability"}',
  groupLabels: { alertname: 'ErrorBudgetBurn', slo: 'checkout-availability' },
  alerts: [status === 'firing' ? firingAlert : { ...firingAlert, status: 'resolved', endsAt: Date.now() }],
  externalURL: 'http://127.0.0.1:4318',
});

const text = (max: number) => ({
  type: 'object',
  required: ['type', 'text'],
  properties: {
    type: { enum: ['plain_text', 'mrkdwn'] },
    text: { type: 'string', minLength: 1, maxLength: max },
    emoji: { type: 'boolean' },
  },
  additionalProperties: false,
});
/** Slack incoming webhook message: `text` (the notification fallback) and at most 50 Block Kit blocks. */
const SLACK_SCHEMA = {
  type: 'object',
  required: ['text'],
  properties: {
    text: { type: 'string', minLength: 1, maxLength: 40_000 },
    channel: { type: 'string' },
    username: { type: 'string' },
    blocks: {
      type: 'array',
      maxItems: 50,
      items: {
        oneOf: [
          {
            type: 'object',
            required: ['type', 'text'],
            properties: {
              type: { const: 'header' },
              text: {
                ...text(150),
                properties: {
                  type: { const: 'plain_text' },
                  text: { type: 'string', minLength: 1, maxLength: 150 },
                  emoji: { type: 'boolean' },
                },
              },
              block_id: { type: 'string', maxLength: 255 },
            },
            additionalProperties: false,
          },
          {
            type: 'object',
            required: ['type', 'text'],
            properties: {
              type: { const: 'section' },
              text: text(3000),
              block_id: { type: 'string', maxLength: 255 },
            },
            additionalProperties: false,
          },
          {
            type: 'object',
            required: ['type', 'elements'],
            properties: {
              type: { const: 'context' },
              elements: { type: 'array', minItems: 1, maxItems: 10, items: text(3000) },
              block_id: { type: 'string', maxLength: 255 },
            },
            additionalProperties: false,
          },
        ],
      },
    },
  },
  additionalProperties: false,
};

/** PagerDuty Events API v2: trigger needs payload.{summary,source,severity}; resolve only the dedup_key. */
const PAGERDUTY_SCHEMA = {
  type: 'object',
  required: ['routing_key', 'event_action'],
  properties: {
    routing_key: { type: 'string', minLength: 32, maxLength: 32 },
    event_action: { enum: ['trigger', 'acknowledge', 'resolve'] },
    dedup_key: { type: 'string', maxLength: 255 },
    payload: {
      type: 'object',
      required: ['summary', 'source', 'severity'],
      properties: {
        summary: { type: 'string', minLength: 1, maxLength: 1024 },
        source: { type: 'string', minLength: 1 },
        severity: { enum: ['critical', 'warning', 'error', 'info'] },
        timestamp: { type: 'string', format: 'date-time' },
        component: { type: 'string' },
        group: { type: 'string' },
        class: { type: 'string' },
        custom_details: { type: 'object' },
      },
      additionalProperties: false,
    },
    images: { type: 'array' },
    links: {
      type: 'array',
      items: {
        type: 'object',
        required: ['href'],
        properties: { href: { type: 'string' }, text: { type: 'string' } },
        additionalProperties: false,
      },
    },
    client: { type: 'string' },
    client_url: { type: 'string' },
  },
  // a trigger carries the payload; acknowledge and resolve name the incident by dedup_key
  oneOf: [
    { properties: { event_action: { const: 'trigger' } }, required: ['payload'] },
    { properties: { event_action: { enum: ['acknowledge', 'resolve'] } }, required: ['dedup_key'] },
  ],
  additionalProperties: false,
};

describe("Slack and PagerDuty payloads match the vendors' schemas", () => {
  let receiver: AlertReceiver;
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  ajv.addFormat('date-time', (s: string) => !Number.isNaN(Date.parse(s)));
  beforeAll(async () => {
    receiver = await startAlertReceiver();
  });
  afterAll(() => receiver?.close());

  it('Slack: firing and resolved messages are valid incoming-webhook bodies', async () => {
    const validate = ajv.compile(SLACK_SCHEMA);
    const slack = {
      type: 'slack' as const,
      name: 'slack',
      sendResolved: true,
      url: { env: 'SLACK_URL' },
      channel: '#oncall',
    };
    for (const status of ['firing', 'resolved'] as const) {
      const result = await sendNotification(slack, group(status), {
        env: { SLACK_URL: `${receiver.url}/slack` },
        attempts: 1,
      });
      expect(result).toMatchObject({ ok: true });
      const got = receiver.received.at(-1)!;
      expect(got.path).toBe('/slack');
      expect(validate(got.body), JSON.stringify(validate.errors)).toBe(true);
      expect((got.body as { text: string }).text).toContain(
        status === 'firing' ? '[FIRING:1]' : '[RESOLVED]',
      );
    }
  });

  it('PagerDuty: trigger then resolve with the same dedup_key', async () => {
    const validate = ajv.compile(PAGERDUTY_SCHEMA);
    const routingKey = 'R0UT1NGKEY0123456789ABCDEFGHIJKL';
    const pd = {
      type: 'pagerduty' as const,
      name: 'pd',
      sendResolved: true,
      routingKey: { env: 'PD_KEY' },
      url: `${receiver.url}/v2/enqueue`,
    };
    const bodies: Array<Record<string, unknown>> = [];
    for (const status of ['firing', 'resolved'] as const) {
      expect(
        await sendNotification(pd, group(status), { env: { PD_KEY: routingKey }, attempts: 1 }),
      ).toMatchObject({ ok: true });
      const got = receiver.received.at(-1)!;
      expect(validate(got.body), JSON.stringify(validate.errors)).toBe(true);
      bodies.push(got.body as Record<string, unknown>);
    }
    expect(bodies[0]).toMatchObject({
      event_action: 'trigger',
      routing_key: routingKey,
      payload: { severity: 'critical' },
    });
    expect(bodies[1]).toMatchObject({ event_action: 'resolve', dedup_key: bodies[0]?.dedup_key });
    // the schema is not a rubber stamp: a trigger without payload fails it
    expect(validate({ routing_key: routingKey, event_action: 'trigger' })).toBe(false);
  });
});

function which(cmd: string): string | null {
  try {
    return execFileSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}
const ALERTMANAGER = which('prometheus-alertmanager') ?? which('alertmanager');
const skipAm = !ALERTMANAGER && process.env.CI !== 'true';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

describe.skipIf(skipAm)(
  `Debian's prometheus-alertmanager receives our alerts${skipAm ? ' [skipped: apt-get install prometheus-alertmanager]' : ''}`,
  () => {
    it('shows a firing alert with our labels in its API, then marks it resolved', async () => {
      if (!ALERTMANAGER)
        throw new Error(
          'prometheus-alertmanager is not installed (CI=true); apt-get install -y prometheus-alertmanager',
        );
      const dir = mkdtempSync(join(tmpdir(), 'witness-am-'));
      const port = await freePort();
      writeFileSync(join(dir, 'am.yml'), 'route:\n  receiver: "null"\nreceivers:\n  - name: "null"\n');
      const proc = spawn(
        ALERTMANAGER,
        [
          `--config.file=${join(dir, 'am.yml')}`,
          `--storage.path=${join(dir, 'data')}`,
          `--web.listen-address=127.0.0.1:${port}`,
          '--cluster.listen-address=',
          '--log.level=warn',
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let log = '';
      proc.stderr?.on('data', (d: Buffer) => {
        log += d.toString();
      });
      const url = `http://127.0.0.1:${port}`;
      try {
        for (let i = 0; ; i++) {
          const ok = await fetch(`${url}/-/ready`).then(
            (r) => r.ok,
            () => false,
          );
          if (ok) break;
          if (i > 100) throw new Error(`alertmanager did not start: ${log}`);
          await new Promise((r) => setTimeout(r, 100));
        }
        const am = { type: 'alertmanager' as const, name: 'am', sendResolved: true, url };
        expect(await sendNotification(am, group('firing'), { attempts: 1 })).toMatchObject({ ok: true });
        const active = (await (await fetch(`${url}/api/v2/alerts?active=true`)).json()) as Array<{
          labels: Record<string, string>;
          annotations: Record<string, string>;
          status: { state: string };
        }>;
        expect(active).toHaveLength(1);
        expect(active[0]).toMatchObject({
          labels: firingAlert.labels,
          annotations: firingAlert.annotations,
          status: { state: 'active' },
        });
        expect(await sendNotification(am, group('resolved'), { attempts: 1 })).toMatchObject({ ok: true });
        const after = (await (await fetch(`${url}/api/v2/alerts?active=true`)).json()) as unknown[];
        expect(after).toEqual([]);
      } finally {
        proc.kill('SIGTERM');
        await new Promise((r) => proc.once('exit', r));
        rmSync(dir, { recursive: true, force: true });
      }
    }, 30_000);
  },
);
