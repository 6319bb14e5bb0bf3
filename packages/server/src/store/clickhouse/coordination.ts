/**
 * Leases and published audit checkpoints on ClickHouse, the store several nodes share.
 *
 * ClickHouse has no compare-and-set, so a lease is an append-only ledger of claims
 * (name, owner, at, expires) and its holder is a pure function of the ledger that every node computes
 * alike: claims in (at, owner) order; a claim takes the lease when nobody holds it, the holder's lease
 * has expired by the claim's time, or it is the holder's own renewal. A node claims only when it sees
 * the lease free (or its own), then reads the ledger back and leads only if the ledger says so: two
 * nodes racing for an expired lease both insert, and both then find the same winner (the earlier
 * claim). What this cannot exclude: a claim that becomes visible after a reader decided (insert
 * latency, or a clock far behind) — a window of one evaluation at most, in which an alert could be
 * evaluated twice. Claims expire from the table after a day (TTL).
 *
 * Checkpoints: ReplacingMergeTree keyed by (log id, size), so publishing one twice keeps one row.
 */
import type { Leases, PublishedCheckpoint, SharedCheckpoints } from '../types.js';
import type { ChClient } from './ch-client.js';
import { localTableName, onCluster, type SchemaTarget, tableName } from './schema.js';

interface Claim {
  owner: string;
  at: number;
  expires: number;
}

/** The holder after the ledger's claims (sorted by at, then owner), or null. */
export function leaseHolder(claims: readonly Claim[]): Claim | null {
  let h: Claim | null = null;
  for (const c of claims) if (h === null || h.expires <= c.at || h.owner === c.owner) h = c;
  return h;
}

function tableDdl(
  t: SchemaTarget,
  name: string,
  columns: string,
  engine: string,
  orderBy: string,
  extra = '',
): string[] {
  const local = localTableName(t, name);
  const eng =
    t.cluster === null
      ? `${engine}()`
      : `Replicated${engine}('/clickhouse/tables/{shard}/${t.database}/${name}_local', '{replica}')`;
  const out = [
    `CREATE TABLE IF NOT EXISTS ${local}${onCluster(t)} (${columns}) ENGINE = ${eng} ORDER BY ${orderBy}${extra}
     SETTINGS fsync_after_insert = 1, fsync_part_directory = 1`,
  ];
  if (t.cluster !== null)
    out.push(
      `CREATE TABLE IF NOT EXISTS ${tableName(t, name)}${onCluster(t)} AS ${local}
       ENGINE = Distributed(\`${t.cluster}\`, \`${t.database}\`, \`${name}_local\`, cityHash64(${orderBy.replace(/[()]/g, '').split(',')[0]}))`,
    );
  return out;
}

export class ClickHouseCoordination implements Leases, SharedCheckpoints {
  private constructor(
    private readonly client: ChClient,
    private readonly target: SchemaTarget,
  ) {}

  static async open(client: ChClient, target: SchemaTarget): Promise<ClickHouseCoordination> {
    const statements = [
      ...tableDdl(
        target,
        'witness_leases',
        // TTL on the server's insertion time, not the callers' clocks
        'name String, owner String, at_ms Int64, expires_ms Int64, inserted DateTime DEFAULT now()',
        'MergeTree',
        '(name, at_ms, owner)',
        '\n     TTL inserted + INTERVAL 1 DAY',
      ),
      ...tableDdl(
        target,
        'witness_audit_checkpoints',
        'node String, log_id String, size Int64, root_hash String, ts_ms Int64, key_id String, signature String',
        'ReplacingMergeTree',
        '(log_id, size)',
      ),
    ];
    for (const sql of statements) await client.command(sql);
    return new ClickHouseCoordination(client, target);
  }

  private get leasesTable(): string {
    return tableName(this.target, 'witness_leases');
  }

  private get checkpointsTable(): string {
    return tableName(this.target, 'witness_audit_checkpoints');
  }

  /** Claims recent enough to matter: an older one has expired unless renewed by a newer claim. */
  private async claims(name: string, sinceMs: number): Promise<Claim[]> {
    const rows = await this.client.query(
      `SELECT owner, toString(at_ms) AS at, toString(expires_ms) AS expires FROM ${this.leasesTable}
       WHERE name = {name:String} AND at_ms >= {since:Int64} ORDER BY at_ms, owner`,
      { name, since: Math.max(0, Math.floor(sinceMs)) },
    );
    return rows.map((r) => ({ owner: String(r.owner), at: Number(r.at), expires: Number(r.expires) }));
  }

  private async claim(name: string, owner: string, at: number, expires: number): Promise<void> {
    await this.client.insert(this.leasesTable, [
      { name, owner, at_ms: Math.round(at), expires_ms: Math.round(expires) },
    ]);
  }

  async acquire(name: string, owner: string, ttlMs: number, nowMs = Date.now()): Promise<boolean> {
    const since = nowMs - 10 * ttlMs;
    const before = leaseHolder(await this.claims(name, since));
    if (before && before.expires > nowMs && before.owner !== owner) return false;
    await this.claim(name, owner, nowMs, nowMs + ttlMs);
    const after = leaseHolder(await this.claims(name, since));
    return after !== null && after.owner === owner && after.expires > nowMs;
  }

  async release(name: string, owner: string): Promise<void> {
    const h = leaseHolder(await this.claims(name, 0));
    // a zero-length claim right after the holder's last one ends its lease (in the ledger's own time,
    // so callers' clocks do not matter here)
    if (h && h.owner === owner && h.expires > h.at) await this.claim(name, owner, h.at + 1, h.at + 1);
  }

  async holder(name: string, nowMs = Date.now()): Promise<{ owner: string; expiresAtMs: number } | null> {
    const h = leaseHolder(await this.claims(name, nowMs - 24 * 3600_000));
    return h && h.expires > nowMs ? { owner: h.owner, expiresAtMs: h.expires } : null;
  }

  async publish(c: PublishedCheckpoint): Promise<void> {
    await this.client.insert(this.checkpointsTable, [
      {
        node: c.node,
        log_id: c.logId,
        size: c.size,
        root_hash: c.rootHash,
        ts_ms: c.timestamp,
        key_id: c.keyId,
        signature: c.signature,
      },
    ]);
  }

  async list(logId: string, limit = 1000): Promise<PublishedCheckpoint[]> {
    const rows = await this.client.query(
      `SELECT node, log_id, toString(size) AS size_text, root_hash, toString(ts_ms) AS ts, key_id, signature
       FROM ${this.checkpointsTable} FINAL WHERE log_id = {logId:String} ORDER BY size DESC LIMIT {limit:UInt32}`,
      { logId, limit: Math.max(1, Math.min(100_000, Math.trunc(limit))) },
    );
    return rows.map((r) => ({
      node: String(r.node),
      logId: String(r.log_id),
      size: Number(r.size_text),
      rootHash: String(r.root_hash),
      timestamp: Number(r.ts),
      keyId: String(r.key_id),
      signature: String(r.signature),
    }));
  }

  async logs(): Promise<Array<{ node: string; logId: string; size: number }>> {
    const rows = await this.client.query(
      `SELECT argMax(node, size) AS node, log_id, toString(max(size)) AS max_size
       FROM ${this.checkpointsTable} GROUP BY log_id ORDER BY log_id`,
      {},
    );
    return rows.map((r) => ({ node: String(r.node), logId: String(r.log_id), size: Number(r.max_size) }));
  }
}
