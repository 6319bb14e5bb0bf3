import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AlertEngine } from '../alerting/index.js';
import { alertsSection, configSchema } from '../config/schema.js';
import { createLogger } from '../logging/index.js';
import { type DuckDbStore, openDuckDbStore } from '../store/index.js';
import { makeSpan } from '../store/test-records.js';
import { budgetRules, withBudgetRules } from './budgets.js';

const dirs: string[] = [];
const stores: DuckDbStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const NOW_MS = 1_760_000_000_000;
const NOW_NS = BigInt(NOW_MS) * 1_000_000n;
const MIN_NS = 60_000_000_000n;

/** An LLM span of `user` via `agent` costing `cost` USD, `minutesAgo` before now. */
const spend = (n: number, user: string, agent: string, cost: number, minutesAgo: number) =>
  makeSpan({
    trace: n,
    n: 1,
    start: NOW_NS - BigInt(minutesAgo) * MIN_NS,
    durationMs: 10,
    fields: { kind: 'llm', userId: user, agentName: agent, model: 'gpt-4o', costUsd: cost },
  });

describe('budgets', () => {
  it('parse from the config with defaults, and become cost threshold rules per user or agent', () => {
    const config = configSchema.parse({
      budgets: [
        { name: 'UserDaily', by: 'user', limitUsd: 1 },
        { name: 'PlannerHourly', by: 'agent', agent: 'planner', limitUsd: 5, window: '1h', project: 'alpha' },
      ],
    });
    expect(config.budgets[0]).toMatchObject({ window: 86_400_000, project: 'default', labels: {} });
    const rules = budgetRules(config.budgets);
    expect(rules[1]).toMatchObject({
      kind: 'threshold',
      name: 'PlannerHourly',
      project: 'alpha',
      query: { metric: 'cost', groupBy: 'agent', agent: 'planner' },
      window: 3_600_000,
      op: '>=',
      threshold: 5,
      labels: { budget: 'PlannerHourly' },
    });
    expect(withBudgetRules({ rules: [] }, config.budgets).rules).toHaveLength(2);
    // a bad budget is refused at start, naming the field
    const bad = configSchema.safeParse({ budgets: [{ name: 'x', by: 'team', limitUsd: -1 }] });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => i.path.join('.'))).toEqual(['budgets.0.by', 'budgets.0.limitUsd']);
  });

  it('fire for the user over budget in the window, not for one under it or for spending outside the window', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'witness-budgets-'));
    dirs.push(dir);
    const store = await openDuckDbStore({ path: join(dir, 'w.duckdb'), threads: 1 });
    stores.push(store);
    await store.append({
      project: 'default',
      spans: [
        spend(1, 'alice', 'planner', 0.6, 10),
        spend(2, 'alice', 'coder', 0.5, 20), // alice: 1.1 USD in the last day
        spend(3, 'bob', 'planner', 0.9, 30), // bob: 0.9 in the day...
        spend(4, 'bob', 'planner', 5, 60 * 30), // ...plus 5 USD 30 hours ago, outside the window
      ],
      logs: [],
    });
    // the same spending in another project never counts against default's budget
    await store.append({ project: 'other', spans: [spend(5, 'bob', 'planner', 50, 5)], logs: [] });
    const budgets = configSchema.parse({
      budgets: [
        { name: 'UserDaily', by: 'user', limitUsd: 1 },
        { name: 'PlannerDaily', by: 'agent', agent: 'planner', limitUsd: 1.5 },
      ],
    }).budgets;
    const engine = new AlertEngine({
      slos: [],
      alerts: withBudgetRules({ ...alertsSection.parse({}), externalUrl: 'https://w.example' }, budgets),
      store: () => store,
      metricQuery: async () => ({ series: [] }),
      dataDir: dir,
      baseUrl: () => 'http://127.0.0.1:1',
      logger: createLogger({ level: 'silent' }),
      now: () => NOW_MS,
    });
    await engine.tick();
    const alerts = engine.listAlerts('default');
    const firing = alerts
      .filter((a) => a.state === 'firing')
      .map((a) => [a.rule, a.labels.user ?? a.labels.agent, a.value])
      .sort();
    expect(firing).toEqual([
      ['PlannerDaily', 'planner', 1.5],
      ['UserDaily', 'alice', 1.1],
    ]);
    const alice = alerts.find((a) => a.labels.user === 'alice');
    expect(alice?.labels.budget).toBe('UserDaily');
    expect(alice?.annotations.summary).toMatch(/alice spent 1\.1/);
    await engine.stop();
  });
});
