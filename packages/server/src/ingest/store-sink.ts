import type { Store } from '../store/types.js';
import type { IngestSink } from './types.js';

/** The store as a durable sink: `append` resolves after commit, so the OTLP answer waits for it. */
export function storeSink(store: Store): IngestSink {
  return { name: 'store', durable: true, consume: (batch) => store.append(batch) };
}
