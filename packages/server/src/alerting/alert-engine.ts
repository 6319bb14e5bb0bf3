/**
 * The alerting loop: every `evaluationInterval` it updates the SLOs' counts, evaluates the rules,
 * steps each alert's state machine, records fired and resolved alerts in the audit log, plans the
 * notifications (grouping, waits, silences) and hands them to a bounded delivery queue. Its state
 * (alerts, notification groups, silences) lives in <data-dir>/alerting/state.json, written after every
 * change, so a restart continues the incident instead of starting it again.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import {
  type AlertJson,
  type AlertRule,
  formatDuration,
  pairsOf,
  type Receiver,
  type Route,
  type SilenceJson,
  type SloSpec,
  type SloStatusJson,
} from '@witness/protocol';
import type { Logger } from '../logging/index.js';
import { SloEvaluator } from '../slo/index.js';
import type { Store } from '../store/types.js';
import { type AlertEvent, type AlertRecord, stepAlert } from './alert-state.js';

export type { AlertRecord } from './alert-state.js';
import {
  type GroupState,
  markFailed,
  markSent,
  type PlannedNotification,
  planNotifications,
} from './notify/plan.js';
import { type SendResult, sendNotification } from './notify/send.js';
import {
  type ActiveAnomaliesFn,
  type Condition,
  evaluateRules,
  type MetricQueryFn,
} from './rule-evaluator.js';
import {
  EXPIRED_KEPT_MS,
  MAX_SILENCES_PER_PROJECT,
  matchesAll,
  type Silence,
  SilenceError,
  silenceFromBody,
  silenceJson,
  silenceState,
} from './silences.js';
import { loadState, saveState } from './state-file.js';

export interface AlertingConfig {
  evaluationInterval: number;
  lateSpanGrace: number;
  resolvedRetention: number;
  externalUrl: string | null;
  rules: AlertRule[];
  receivers: Receiver[];
  route: Route;
  notifyTimeoutMs: number;
  notifyAttempts: number;
  notifyQueueLimit: number;
  /** @default 300000 (the config's default) */
  policyAlertQuietPeriod?: number;
}

/** What a governance policy with action `alert` raises (a violation row, docs/governance.md). */
export interface PolicyAlertInput {
  project: string;
  policy: string;
  severity: string;
  traceId: string;
  spanId: string;
  spanName: string;
  service: string;
  agent: string | null;
  tool: string | null;
  mode: string | null;
}

/** Policy alerts kept at most (distinct project/policy/agent/…); past it the stalest go first. */
export const MAX_POLICY_ALERTS = 10_000;

/** What the engine writes to the audit log (the server passes AuditLog.append). */
export type AuditAppend = (entry: {
  type: string;
  actor: string | null;
  subject: string | null;
  details?: Record<string, unknown>;
}) => Promise<unknown>;

export interface AlertEngineOptions {
  slos: SloSpec[];
  alerts: AlertingConfig;
  store: () => Store | null;
  metricQuery: MetricQueryFn;
  /** Active anomalies (anomaly rules); null when anomaly detection is off. */
  anomalies?: (() => ActiveAnomaliesFn | null) | null;
  dataDir: string;
  /** URL of this server (links in notifications) when alerts.externalUrl is unset. */
  baseUrl: () => string;
  logger: Logger;
  audit?: AuditAppend | null;
  env?: Record<string, string | undefined>;
  now?: () => number;
  /** Backoff of the first retry (tests shorten it). @default 1000 */
  backoffMs?: number;
  /**
   * Asked before each scheduled evaluation: false skips it (another node holds the evaluator lease,
   * cluster/lease-elector.ts), so with several query nodes an alert fires, and notifies, once.
   * @default always evaluate
   */
  leader?: () => Promise<boolean>;
}

export class AlertEngineError extends Error {
  constructor(
    readonly code: 'BAD_REQUEST' | 'NOT_FOUND' | 'TOO_MANY_REQUESTS',
    message: string,
  ) {
    super(message);
  }
}

export function fingerprintOf(labels: Record<string, string>): string {
  const text = Object.keys(labels)
    .sort()
    .map((k) => `${k}\u0000${labels[k]}`)
    .join('\u0001');
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** `{{ $value }}` and `{{ $labels.name }}` in annotations, as in Prometheus templates. */
export function expand(template: string, labels: Record<string, string>, value: number | null): string {
  return template.replace(/\{\{\s*\$(value|labels\.([A-Za-z_][A-Za-z0-9_]*))\s*\}\}/g, (_, what, label) =>
    what === 'value'
      ? value === null
        ? 'n/a'
        : String(Math.round(value * 1000) / 1000)
      : (labels[label] ?? ''),
  );
}

function tracesLink(filter: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(filter)) if (v !== undefined) q.set(k, v);
  return `/traces?${q.toString()}`;
}

export class AlertEngine {
  private slos: SloEvaluator;
  private sloSpecs: SloSpec[];
  private config: AlertingConfig;
  private readonly alerts = new Map<string, AlertRecord>();
  private readonly groups = new Map<string, GroupState>();
  private readonly silences = new Map<string, Silence>();
  /** Governance alerts by fingerprint: labels, the latest violation's trace, when it was last seen. */
  private readonly policyAlerts = new Map<
    string,
    {
      project: string;
      labels: Record<string, string>;
      annotations: Record<string, string>;
      traceId: string;
      lastMs: number;
    }
  >();
  private readonly queue: Array<{ n: PlannedNotification; receiver: Receiver }> = [];
  private readonly inFlight = new Set<string>();
  private sending = 0;
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private readonly stopped = new AbortController();
  private readonly statePath: string;
  private readonly now: () => number;
  /** Notifications dropped because the queue was full, since start. */
  droppedNotifications = 0;
  lastEvaluation: { at: number; ms: number; errors: number } | null = null;

  constructor(private readonly options: AlertEngineOptions) {
    this.now = options.now ?? Date.now;
    this.config = options.alerts;
    this.sloSpecs = options.slos;
    this.slos = new SloEvaluator(options.slos, {
      store: options.store,
      graceMs: options.alerts.lateSpanGrace,
      metricQuery: options.metricQuery,
    });
    this.statePath = join(options.dataDir, 'alerting', 'state.json');
    const state = loadState(this.statePath);
    for (const a of state.alerts) this.alerts.set(a.fingerprint, a);
    for (const [k, g] of state.groups) this.groups.set(k, g);
    for (const s of state.silences) this.silences.set(s.id, s);
  }

  start(): void {
    if (this.timer) return;
    const leader = this.options.leader;
    const run = () => {
      (leader ? leader().then((lead) => (lead ? this.tick() : undefined)) : this.tick()).catch(
        (err: unknown) => this.options.logger.error({ err }, 'alert evaluation failed'),
      );
    };
    this.timer = setInterval(run, this.config.evaluationInterval);
    this.timer.unref();
    setTimeout(run, 0).unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.stopped.abort();
    await this.ticking?.catch(() => undefined);
    this.persist();
  }

  /** New specs from a reloaded config (SIGHUP); alert states carry over by fingerprint. */
  reload(slos: SloSpec[], alerts: AlertingConfig): void {
    const intervalChanged = alerts.evaluationInterval !== this.config.evaluationInterval;
    this.config = alerts;
    this.sloSpecs = slos;
    this.slos.configure(slos);
    if (intervalChanged && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
      this.start();
    }
  }

  /** One evaluation; concurrent calls share the one running. */
  tick(): Promise<void> {
    this.ticking ??= this.evaluate().finally(() => {
      this.ticking = null;
    });
    return this.ticking;
  }

  private async evaluate(): Promise<void> {
    const started = performance.now();
    const now = this.now();
    let errors = 0;
    await this.slos.evaluate(now);
    const conditions: Condition[] = [];
    const sloConditions = this.sloConditions();
    const rules = await evaluateRules(
      this.config.rules,
      {
        store: this.options.store,
        slos: this.slos,
        metricQuery: this.options.metricQuery,
        anomalies: this.options.anomalies,
      },
      now,
    );
    for (const e of rules.errors) this.options.logger.warn(e, 'alert rule could not be evaluated');
    errors += rules.errors.length;
    conditions.push(...rules.conditions);

    const seen = new Set<string>();
    const events: Array<{ record: AlertRecord; event: AlertEvent }> = [];
    const step = (
      key: {
        rule: string;
        project: string;
        labels: Record<string, string>;
        annotations: Record<string, string>;
      },
      c: {
        active: boolean;
        value: number | null;
        forMs?: number;
        keepFiringForMs?: number;
        tracesUrl: string | null;
      },
    ) => {
      const fingerprint = fingerprintOf(key.labels);
      seen.add(fingerprint);
      const prev = this.alerts.get(fingerprint);
      const { next, event } = stepAlert(prev?.instance, { ...c, now });
      if (next.state === 'inactive' && !prev) return; // never active: not worth a record
      const annotations: Record<string, string> = {};
      for (const [k, v] of Object.entries(key.annotations)) annotations[k] = expand(v, key.labels, c.value);
      const record: AlertRecord = {
        fingerprint,
        rule: key.rule,
        project: key.project,
        labels: key.labels,
        annotations,
        instance: next,
        tracesUrl: c.tracesUrl,
      };
      this.alerts.set(fingerprint, record);
      if (event) events.push({ record, event });
    };
    for (const s of sloConditions) step(s.key, s.condition);
    for (const c of conditions) {
      const r = c.rule;
      const labels = { alertname: r.name, project: r.project, ...r.labels, ...c.series };
      const annotations = { ...(r.annotations as Record<string, string>), ...c.annotations };
      if (c.tracePath) annotations.trace_url = `${this.externalUrl()}${c.tracePath}`;
      step(
        { rule: r.name, project: r.project, labels, annotations },
        {
          active: c.active,
          value: c.value,
          forMs: r.for,
          keepFiringForMs: r.keepFiringFor,
          tracesUrl: c.tracePath ?? ruleTracesUrl(r, c.series),
        },
      );
    }
    // governance alerts: active until their policy (and agent) has been quiet for the quiet period
    const quietMs = this.config.policyAlertQuietPeriod ?? 300_000;
    for (const [fp, p] of this.policyAlerts) {
      const active = now - p.lastMs < quietMs;
      step(
        {
          rule: `policy:${p.labels.policy}`,
          project: p.project,
          labels: p.labels,
          annotations: p.annotations,
        },
        { active, value: null, tracesUrl: `/traces/${p.traceId}` },
      );
      if (!active) this.policyAlerts.delete(fp);
    }
    // alerts whose series is gone (a group that stopped appearing, a removed rule) are false now
    for (const [fp, record] of this.alerts) {
      if (!seen.has(fp)) {
        const { next, event } = stepAlert(record.instance, { active: false, value: null, now });
        record.instance = next;
        if (event) events.push({ record, event });
      }
      const i = record.instance;
      const old =
        i.state === 'inactive' || (i.state === 'resolved' && now - i.since > this.config.resolvedRetention);
      // kept while a receiver still owes its resolved notification
      if (old && ![...this.groups.values()].some((g) => g.sent[fp] === 'firing')) this.alerts.delete(fp);
    }
    for (const { record, event } of events) {
      this.options.logger.info(
        {
          alert: record.labels.alertname,
          fingerprint: record.fingerprint,
          labels: record.labels,
          value: record.instance.value,
        },
        `alert ${event}`,
      );
      await this.options
        .audit?.({
          type: `alert.${event}`,
          actor: 'witness',
          subject: record.labels.alertname ?? record.rule,
          details: {
            fingerprint: record.fingerprint,
            project: record.project,
            labels: record.labels,
            value: record.instance.value,
          },
        })
        .catch((err: unknown) => this.options.logger.error({ err }, 'audit of an alert failed'));
    }
    for (const [id, s] of this.silences) if (now - s.endsAt > EXPIRED_KEPT_MS) this.silences.delete(id);
    this.dispatch(now);
    this.persist();
    this.lastEvaluation = { at: now, ms: performance.now() - started, errors };
  }

  /**
   * A violation of a governance policy with action `alert`: raises (or keeps up) the alert of that
   * policy, agent, service and mode, with the latest violation's trace; the next evaluation fires it.
   */
  raisePolicyAlert(v: PolicyAlertInput): void {
    const labels: Record<string, string> = {
      alertname: 'PolicyViolation',
      project: v.project,
      policy: v.policy,
      severity: v.severity,
      service: v.service,
    };
    if (v.agent !== null) labels.agent = v.agent;
    if (v.mode !== null) labels.mode = v.mode;
    const fp = fingerprintOf(labels);
    const annotations: Record<string, string> = {
      summary: `governance policy ${v.policy} (${v.severity}) was violated by span "${v.spanName}"${
        v.agent ? ` of agent ${v.agent}` : ''
      }${v.tool ? ` calling ${v.tool}` : ''}`,
      trace_id: v.traceId,
      span_id: v.spanId,
      trace_url: `${this.externalUrl()}/traces/${v.traceId}`,
    };
    this.policyAlerts.delete(fp); // re-inserted last: the map's order is staleness
    this.policyAlerts.set(fp, {
      project: v.project,
      labels,
      annotations,
      traceId: v.traceId,
      lastMs: this.now(),
    });
    while (this.policyAlerts.size > MAX_POLICY_ALERTS) {
      const oldest = this.policyAlerts.keys().next().value as string;
      this.policyAlerts.delete(oldest);
    }
  }

  private sloConditions() {
    const out: Array<{
      key: {
        rule: string;
        project: string;
        labels: Record<string, string>;
        annotations: Record<string, string>;
      };
      condition: { active: boolean; value: number | null; tracesUrl: string | null };
    }> = [];
    for (const slo of this.sloSpecs) {
      if (!slo.alerting.enabled) continue;
      const status = this.slos.status(slo.project, slo.name);
      if (!status || status.evaluatedAt === null) continue;
      for (const severity of new Set(pairsOf(slo).map((p) => p.severity))) {
        const pairs = status.pairs.filter((p) => p.severity === severity);
        const firing = pairs.filter((p) => p.firing);
        const value = Math.max(...(firing.length > 0 ? firing : pairs).map((p) => p.longBurnRate ?? 0));
        const labels = {
          alertname: 'ErrorBudgetBurn',
          project: slo.project,
          slo: slo.name,
          severity,
          ...slo.labels,
          ...slo.alerting.labels,
        };
        const annotations: Record<string, string> = {
          summary: `SLO ${slo.name} is burning its error budget at {{ $value }}× (objective ${
            Math.round(slo.objective * 1e6) / 1e4
          }% over ${formatDuration(slo.window)})`,
          ...(slo.alerting.annotations as Record<string, string>),
        };
        out.push({
          key: { rule: `slo:${slo.name}`, project: slo.project, labels, annotations },
          condition: { active: firing.length > 0, value, tracesUrl: sloTracesUrl(slo) },
        });
      }
    }
    return out;
  }

  private silencedBy(labels: Record<string, string>, project: string, now: number): string[] {
    const out: string[] = [];
    for (const s of this.silences.values())
      if (s.project === project && silenceState(s, now) === 'active' && matchesAll(s.matchers, labels))
        out.push(s.id);
    return out;
  }

  private dispatch(now: number): void {
    const receivers = new Map(this.config.receivers.map((r) => [r.name, r]));
    const current = [...this.alerts.values()]
      .filter((a) => a.instance.state === 'firing' || a.instance.state === 'resolved')
      .map((a) => ({
        fingerprint: a.fingerprint,
        status: a.instance.state === 'firing' ? ('firing' as const) : ('resolved' as const),
        labels: a.labels,
        annotations: a.annotations,
        startsAt: a.instance.firedAt ?? a.instance.since,
        endsAt: a.instance.state === 'resolved' ? a.instance.resolvedAt : null,
        generatorURL: `${this.externalUrl()}/alerts?fingerprint=${a.fingerprint}`,
        silenced: this.silencedBy(a.labels, a.project, now).length > 0,
      }));
    const alertmanagers = new Set(
      this.config.receivers.filter((r) => r.type === 'alertmanager').map((r) => r.name),
    );
    const planned = planNotifications(
      this.groups,
      current,
      {
        route: this.config.route,
        defaultReceiver: this.config.receivers[0]?.name ?? null,
        alertmanagers,
        resendMs: Math.max(this.config.evaluationInterval * 4, 60_000),
      },
      now,
    );
    for (const n of planned) {
      if (this.inFlight.has(n.key)) continue;
      const receiver = receivers.get(n.group.receiver);
      if (!receiver) continue;
      // a receiver that does not want resolved notifications: mark them sent without sending
      if (!receiver.sendResolved && n.group.alerts.every((a) => a.status === 'resolved')) {
        markSent(this.groups, n, now);
        continue;
      }
      if (this.queue.length >= this.config.notifyQueueLimit) {
        this.queue.shift();
        this.droppedNotifications++;
      }
      this.inFlight.add(n.key);
      this.queue.push({ n, receiver });
    }
    this.drain();
  }

  private drain(): void {
    while (this.sending < 4 && this.queue.length > 0) {
      const job = this.queue.shift() as { n: PlannedNotification; receiver: Receiver };
      this.sending++;
      void this.deliver(job.n, job.receiver).finally(() => {
        this.sending--;
        this.inFlight.delete(job.n.key);
        this.drain();
      });
    }
  }

  private async deliver(n: PlannedNotification, receiver: Receiver): Promise<SendResult> {
    const result = await sendNotification(
      receiver,
      { ...n.group, externalURL: this.externalUrl() },
      {
        timeoutMs: this.config.notifyTimeoutMs,
        attempts: this.config.notifyAttempts,
        backoffMs: this.options.backoffMs,
        env: this.options.env,
        alertmanagerEndsInMs: Math.max(this.config.evaluationInterval * 16, 300_000),
        now: this.now,
      },
      this.stopped.signal,
    );
    if (result.ok) markSent(this.groups, n, this.now());
    else {
      markFailed(this.groups, n, this.now());
      this.options.logger.warn({ receiver: receiver.name, error: result.error }, 'notification failed');
    }
    this.persist();
    return result;
  }

  /** Resolves once nothing is queued or being sent (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.queue.length > 0 || this.sending > 0) await new Promise((r) => setTimeout(r, 20));
  }

  private externalUrl(): string {
    return (this.config.externalUrl ?? this.options.baseUrl()).replace(/\/+$/, '');
  }

  private persist(): void {
    try {
      saveState(this.statePath, {
        alerts: [...this.alerts.values()],
        groups: [...this.groups.entries()],
        silences: [...this.silences.values()],
      });
    } catch (err) {
      this.options.logger.error({ err }, 'could not save the alerting state');
    }
  }

  // ---- API -----------------------------------------------------------------------------------------

  listSlos(project: string): SloStatusJson[] {
    return this.slos.list(project);
  }

  slo(project: string, name: string): SloStatusJson | null {
    return this.slos.status(project, name);
  }

  listAlerts(project: string): AlertJson[] {
    const now = this.now();
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    return [...this.alerts.values()]
      .filter((a) => a.project === project && a.instance.state !== 'inactive')
      .sort((a, b) => b.instance.since - a.instance.since)
      .map((a) => ({
        fingerprint: a.fingerprint,
        rule: a.rule,
        project: a.project,
        state: a.instance.state,
        labels: a.labels,
        annotations: a.annotations,
        since: new Date(a.instance.since).toISOString(),
        activeAt: iso(a.instance.activeAt),
        firedAt: iso(a.instance.firedAt),
        resolvedAt: iso(a.instance.resolvedAt),
        value: a.instance.value === null || !Number.isFinite(a.instance.value) ? null : a.instance.value,
        silencedBy: this.silencedBy(a.labels, a.project, now),
        tracesUrl: a.tracesUrl,
      }));
  }

  listSilences(project: string): SilenceJson[] {
    const now = this.now();
    return [...this.silences.values()]
      .filter((s) => s.project === project)
      .sort((a, b) => b.startsAt - a.startsAt)
      .map((s) => silenceJson(s, now));
  }

  async putSilence(body: unknown, project: string, actor: string): Promise<string> {
    const now = this.now();
    let silence: Silence;
    try {
      silence = silenceFromBody(body, project, now);
    } catch (err) {
      if (err instanceof SilenceError) throw new AlertEngineError('BAD_REQUEST', err.message);
      throw err;
    }
    const existing = this.silences.get(silence.id);
    if (existing && existing.project !== project)
      throw new AlertEngineError('BAD_REQUEST', `silence ${silence.id} belongs to another project`);
    if (
      !existing &&
      [...this.silences.values()].filter((s) => s.project === project).length >= MAX_SILENCES_PER_PROJECT
    )
      throw new AlertEngineError(
        'TOO_MANY_REQUESTS',
        `at most ${MAX_SILENCES_PER_PROJECT} silences per project; expire some`,
      );
    this.silences.set(silence.id, silence);
    this.persist();
    await this.options
      .audit?.({
        type: 'silence.create',
        actor,
        subject: silence.id,
        details: {
          project,
          matchers: silence.matchers,
          endsAt: new Date(silence.endsAt).toISOString(),
          comment: silence.comment,
        },
      })
      .catch(() => undefined);
    return silence.id;
  }

  async expireSilence(id: string, project: string, actor: string): Promise<void> {
    const s = this.silences.get(id);
    if (!s || s.project !== project)
      throw new AlertEngineError('NOT_FOUND', `no silence ${id} in project ${project}`);
    const now = this.now();
    if (s.endsAt > now) s.endsAt = now;
    this.persist();
    await this.options
      .audit?.({ type: 'silence.expire', actor, subject: id, details: { project } })
      .catch(() => undefined);
  }
}

function sloTracesUrl(slo: SloSpec): string | null {
  if (slo.sli.kind === 'metric_ratio') return null;
  const s = slo.sli.spans;
  const attr = Object.entries(s.attributes ?? {})[0];
  return tracesLink({
    service: s.service,
    kind: s.kind,
    name: s.name,
    agent: s.agent,
    model: s.model,
    ...(slo.sli.kind === 'latency' ? { minDurationMs: String(slo.sli.thresholdMs) } : { status: 'error' }),
    ...(attr ? { attr: `${attr[0]}=${attr[1]}` } : {}),
  });
}

function ruleTracesUrl(rule: AlertRule, series: Record<string, string>): string | null {
  if (rule.kind === 'burn_rate' || rule.kind === 'anomaly') return null;
  if (rule.kind === 'absent')
    return tracesLink({ service: rule.spans.service, kind: rule.spans.kind, agent: rule.spans.agent });
  const q = rule.query;
  const filter: Record<string, string | undefined> = {
    service: q.service,
    kind: q.kind,
    agent: q.agent,
    model: q.model,
  };
  for (const k of ['service', 'agent', 'model'] as const) if (series[k] !== undefined) filter[k] = series[k];
  if (q.metric === 'errors' || q.metric === 'error_ratio') filter.status = 'error';
  return tracesLink(filter);
}
