import { SpanIdentities } from '../packages/server/src/store/duckdb/span-identities.js';
import { decodeTracesProto } from '../packages/server/src/otlp/index.js';
import { buildTemplate, payloadFor } from './ingest-payload.js';
const t = buildTemplate();
const batches = Array.from({ length: 400 }, (_, i) => decodeTracesProto(payloadFor(t, i, 1)).spans);
for (let rep = 0; rep < 4; rep++) {
  const ids = new SpanIdentities({ load: async () => new Map() });
  const t0 = performance.now();
  let n = 0;
  for (const b of batches) {
    const c = await ids.claim('default', b);
    ids.settle(c);
    n += c.fresh.length;
  }
  const ms = performance.now() - t0;
  console.log(`claim+settle: ${((ms * 1000) / n).toFixed(2)} µs/span`);
}
