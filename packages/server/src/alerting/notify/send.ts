/**
 * Delivering one notification to one receiver: the body for its type, the HMAC signature for a
 * webhook with a secret, a timeout per attempt, and retries with exponential backoff. A send resolves
 * `delivered` or `failed` (an expected outcome, not an exception).
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Receiver, SecretRef } from '@witness/protocol';
import {
  alertmanagerPayload,
  type NotificationGroup,
  pagerDutyPayload,
  slackPayload,
  webhookPayload,
} from './payloads.js';

/** Header carrying `sha256=<hex HMAC-SHA256 of the body>` when a webhook receiver has a secret. */
export const SIGNATURE_HEADER = 'x-witness-signature';

export interface SendOptions {
  /** @default 10_000 */
  timeoutMs?: number;
  /** Attempts in all, including the first. @default 4 */
  attempts?: number;
  /** First backoff; doubles each retry. @default 1000 */
  backoffMs?: number;
  /** Where secrets named by env come from (the outer layer passes process.env). */
  env?: Record<string, string | undefined>;
  /** How long Alertmanager should show a firing alert if we stop sending (several resends). */
  alertmanagerEndsInMs?: number;
  now?: () => number;
}

export type SendResult = { ok: true; status: number } | { ok: false; error: string };

export function resolveSecret(ref: SecretRef, env: Record<string, string | undefined>): string {
  if (ref.env !== undefined) {
    const v = env[ref.env];
    if (!v) throw new Error(`environment variable ${ref.env} is not set`);
    return v.trim();
  }
  return readFileSync(ref.file as string, 'utf8').trim();
}

export function signBody(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** URL, headers and body for a receiver. Throws when a secret cannot be read (a config error). */
export function buildRequest(r: Receiver, g: NotificationGroup, opts: SendOptions) {
  const env = opts.env ?? {};
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'Witness' };
  switch (r.type) {
    case 'webhook': {
      const body = JSON.stringify(webhookPayload(g));
      if (r.secret) headers[SIGNATURE_HEADER] = signBody(body, resolveSecret(r.secret, env));
      return { url: r.url, headers, body };
    }
    case 'slack':
      return { url: resolveSecret(r.url, env), headers, body: JSON.stringify(slackPayload(g, r.channel)) };
    case 'pagerduty':
      return {
        url: r.url,
        headers,
        body: JSON.stringify(pagerDutyPayload(g, resolveSecret(r.routingKey, env))),
      };
    case 'alertmanager': {
      const now = (opts.now ?? Date.now)();
      const body = JSON.stringify(
        alertmanagerPayload(g.alerts, now + (opts.alertmanagerEndsInMs ?? 300_000)),
      );
      return { url: `${r.url.replace(/\/+$/, '')}/api/v2/alerts`, headers, body };
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms).unref?.());

export async function sendNotification(
  r: Receiver,
  g: NotificationGroup,
  opts: SendOptions = {},
  signal?: AbortSignal,
): Promise<SendResult> {
  let req: ReturnType<typeof buildRequest>;
  try {
    req = buildRequest(r, g, opts);
  } catch (err) {
    return { ok: false, error: `receiver ${r.name}: ${(err as Error).message}` };
  }
  const attempts = opts.attempts ?? 4;
  let backoff = opts.backoffMs ?? 1000;
  let error = '';
  for (let i = 0; i < attempts; i++) {
    if (signal?.aborted) return { ok: false, error: 'stopped' };
    try {
      const res = await fetch(req.url, {
        method: 'POST',
        headers: req.headers,
        body: req.body,
        signal: AbortSignal.any([AbortSignal.timeout(opts.timeoutMs ?? 10_000), ...(signal ? [signal] : [])]),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return { ok: true, status: res.status };
      error = `HTTP ${res.status}`;
      // 4xx other than 408/429 will not get better by retrying (a bad URL or key)
      if (res.status < 500 && res.status !== 408 && res.status !== 429) break;
    } catch (err) {
      error = (err as Error).message;
    }
    if (i < attempts - 1) {
      await sleep(backoff);
      backoff *= 2;
    }
  }
  return { ok: false, error: `receiver ${r.name}: ${error}` };
}
