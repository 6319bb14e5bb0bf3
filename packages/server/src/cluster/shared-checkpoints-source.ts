/**
 * The shared store's published audit checkpoints for a reader outside any node (`witness audit verify
 * --store-url`): a ClickHouse client of its own, closed after use.
 */
import { ChClient, ClickHouseCoordination } from '../store/clickhouse/index.js';
import { checkIdentifier } from '../store/clickhouse/schema.js';
import type { PublishedCheckpoint } from '../store/types.js';

export interface SharedStoreAddress {
  url: string;
  database: string;
  username: string;
  password: string;
  cluster?: string | null;
}

/** Every published checkpoint of each of `logIds` (largest first per log). */
export async function readPublishedCheckpoints(
  address: SharedStoreAddress,
  logIds: readonly string[],
): Promise<Map<string, PublishedCheckpoint[]>> {
  const client = new ChClient({
    url: address.url,
    username: address.username,
    password: address.password,
    queryTimeoutMs: 30_000,
  });
  try {
    const shared = await ClickHouseCoordination.open(client, {
      database: checkIdentifier('database', address.database),
      cluster: address.cluster ? checkIdentifier('cluster', address.cluster) : null,
    });
    const out = new Map<string, PublishedCheckpoint[]>();
    for (const id of logIds) out.set(id, await shared.list(id, 100_000));
    return out;
  } finally {
    await client.close();
  }
}
