/**
 * A test-only fault hook around the store's append, so the spool can be exercised against a real
 * process whose embedded store cannot be stopped on its own: `witness serve` installs it only when
 * the WITNESS_FAULT_STORE environment variable names a file (never from the config file). Each append
 * reads that file: `refuse` fails the write at once (an unreachable store), `hang` holds it until the
 * file says otherwise (a store that stopped answering); anything else, or no file, writes normally.
 */
import { readFileSync } from 'node:fs';
import type { StoreWriter } from '../ingest/index.js';

export type StoreFault = 'refuse' | 'hang' | null;

function faultOf(path: string): StoreFault {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch {
    return null;
  }
  return text === 'refuse' || text === 'hang' ? text : null;
}

export function faultyStore(store: StoreWriter, faultFile: string, pollMs = 100): StoreWriter {
  return {
    async append(batch, options) {
      for (;;) {
        const fault = faultOf(faultFile);
        if (fault === 'refuse') throw new Error(`store refused the write (fault injected by ${faultFile})`);
        if (fault !== 'hang') break;
        await new Promise((r) => setTimeout(r, pollMs));
      }
      return store.append(batch, options);
    },
  };
}
