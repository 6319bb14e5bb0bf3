import { describe, expect, it } from 'vitest';
import {
  bootstrap,
  checkIdentifier,
  localTableName,
  migrations,
  tableName,
  ttlStatements,
} from './schema.js';

// The replicated variant cannot run here (chdb is one process, no Keeper): its DDL is checked as text.
describe('ClickHouse schema DDL', () => {
  const single = { database: 'witness', cluster: null };
  const cluster = { database: 'witness', cluster: 'obs' };

  it('creates ReplacingMergeTree tables keyed by span identity on one server', () => {
    const ddl = migrations(single)[1];
    const spans = ddl.find((s) => s.includes('`witness`.`spans`')) ?? '';
    expect(spans).toMatch(/ENGINE = ReplacingMergeTree\(\)/);
    expect(spans).toMatch(/ORDER BY \(project, trace_id, span_id\)/);
    expect(spans).toMatch(/fsync_after_insert = 1/);
    expect(ddl.some((s) => s.includes('Distributed'))).toBe(false);
    expect(ddl.some((s) => s.includes('ON CLUSTER'))).toBe(false);
  });

  it('on a cluster, creates Replicated local tables and Distributed tables sharded by trace', () => {
    const ddl = migrations(cluster)[1];
    expect(ddl).toHaveLength(8);
    const view = migrations(cluster)[3][0];
    expect(view).toContain('TO `witness`.`trace_index_local`');
    expect(view).toContain('FROM `witness`.`trace_parts_local`');
    const local = ddl.find((s) => s.includes('`witness`.`spans_local` ON CLUSTER `obs`')) ?? '';
    expect(local).toContain(
      "ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/witness/spans_local', '{replica}')",
    );
    const dist =
      ddl.find((s) => s.startsWith('CREATE TABLE IF NOT EXISTS `witness`.`spans` ON CLUSTER')) ?? '';
    expect(dist).toContain('AS `witness`.`spans_local`');
    expect(dist).toContain(
      'ENGINE = Distributed(`obs`, `witness`, `spans_local`, cityHash64(project, trace_id))',
    );
    const logs = ddl.find((s) => s.includes('`witness`.`logs_local`')) ?? '';
    expect(logs).toContain('ReplicatedMergeTree(');
    expect(bootstrap(cluster)[0]).toBe('CREATE DATABASE IF NOT EXISTS `witness` ON CLUSTER `obs`');
    expect(tableName(cluster, 'spans')).toBe('`witness`.`spans`');
    expect(localTableName(cluster, 'spans')).toBe('`witness`.`spans_local`');
  });

  it('adds the scores table in migration 2, replacing by (project, id) with the write time as version', () => {
    const [single2] = migrations(single)[2];
    expect(single2).toContain('`witness`.`scores`');
    expect(single2).toMatch(/ENGINE = ReplacingMergeTree\(written_ns\)/);
    expect(single2).toMatch(/ORDER BY \(project, id\)/);
    const replicated = migrations(cluster)[2];
    expect(replicated[0]).toContain(
      "ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/witness/scores_local', '{replica}', written_ns)",
    );
    expect(replicated[1]).toContain('cityHash64(project, id)');
    expect(ttlStatements(single, 3).some((s) => s.includes('`scores`') && s.includes('time_ns'))).toBe(true);
  });

  it('sets TTL per table from the retention days, on the local tables', () => {
    expect(ttlStatements(single, null)).toEqual([]);
    const ttl = ttlStatements(cluster, 7);
    expect(ttl[0]).toBe(
      'ALTER TABLE `witness`.`spans_local` ON CLUSTER `obs` MODIFY TTL toDateTime(fromUnixTimestamp64Nano(start_ns)) + INTERVAL 7 DAY',
    );
    expect(ttl.find((s) => s.includes('trace_parts'))).toContain('fromUnixTimestamp64Nano(end_ns)');
  });

  it('refuses a database or cluster name that is not an identifier', () => {
    expect(() => checkIdentifier('database', 'w; DROP TABLE x')).toThrow(/letters, digits/);
    expect(checkIdentifier('cluster', 'obs_1')).toBe('obs_1');
  });
});
