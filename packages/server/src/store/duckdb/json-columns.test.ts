import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { decodeEvents, encodeEvents, jsonKeyPath } from './json-columns.js';

describe('jsonKeyPath', () => {
  it('reads keys holding dots, quotes, backslashes and dollar signs from DuckDB JSON text', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const c = await instance.connect();
    const keys = ['gen_ai.system', 'a"b', 'back\\slash', '$.x', '/y', "it's", 'ü.key'];
    const doc = JSON.stringify(Object.fromEntries(keys.map((k, i) => [k, `v${i}`])));
    for (const [i, key] of keys.entries()) {
      const rows = (
        await c.runAndReadAll('SELECT json_extract_string($1, $2)', [doc, jsonKeyPath(key)])
      ).getRows();
      expect(rows[0][0]).toBe(`v${i}`);
    }
    c.closeSync();
    instance.closeSync();
  });
});

describe('event encoding', () => {
  it('keeps nanosecond bigint times exact', () => {
    const events = [
      { name: 'e', timeUnixNano: 1_750_000_000_123_456_789n, attributes: { a: [1, { b: null }] } },
    ];
    expect(decodeEvents(encodeEvents(events))).toEqual(events);
    expect(decodeEvents(encodeEvents([]))).toEqual([]);
  });
});
