/** The audit API under `/api/audit`: parameters, bodies and answers (hashes as hex). */
import { z } from 'zod';
import { instantMs, integer, pageLimit } from './query-values.js';

const seq = (what: string) => integer(0, Number.MAX_SAFE_INTEGER, what);
const name = z.string().min(1).max(512);

/** Query parameters of `GET /api/audit`. */
export const auditSearchParams = z.strictObject({
  from: instantMs.optional().meta({ description: 'entries at or after: ISO-8601 or epoch milliseconds' }),
  to: instantMs.optional().meta({ description: 'entries at or before: ISO-8601 or epoch milliseconds' }),
  type: name.optional().meta({ description: 'entry type, e.g. tool.call, decision, config.change' }),
  actor: name.optional(),
  agent: name.optional(),
  traceId: name.optional().meta({ description: 'entries recorded from this trace' }),
  cursor: seq('an entry sequence number').optional().meta({ description: 'nextCursor of the previous page' }),
  limit: pageLimit(1000, 100),
});
export type AuditSearchParams = z.input<typeof auditSearchParams>;

export const inclusionProofParams = z.strictObject({
  index: seq('a leaf index').meta({ description: 'the entry (leaf) to prove' }),
  size: seq('a tree size').optional().meta({ description: 'tree size to prove against (default: current)' }),
});
export const consistencyProofParams = z.strictObject({
  from: seq('a tree size').meta({ description: 'the older tree size' }),
  to: seq('a tree size').optional().meta({ description: 'the newer tree size (default: current)' }),
});
export const auditEntryPathParams = z.strictObject({ index: seq('an entry index') });

export const auditEntrySchema = z
  .object({
    seq: z.number().int(),
    time: z.string().meta({ description: 'ISO 8601, UTC, millisecond precision' }),
    type: z.string(),
    actor: z.string().nullable(),
    subject: z.string().nullable(),
    user: z.string().nullable(),
    agent: z.string().nullable(),
    session: z.string().nullable(),
    traceId: z.string().nullable(),
    spanId: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
    project: z.string().nullable().optional().meta({
      description:
        "the project the entry belongs to (a span's, or the caller's for people's actions); null for system entries (config changes, retention runs); absent on entries written before projects, which belong to default",
    }),
  })
  .meta({ id: 'AuditEntry' });
export type AuditEntryJson = z.infer<typeof auditEntrySchema>;

export const auditPageSchema = z
  .object({ entries: z.array(auditEntrySchema), nextCursor: z.string().nullable() })
  .meta({ id: 'AuditPage' });
export type AuditPageJson = z.infer<typeof auditPageSchema>;

/** What `GET /api/audit/entries/{index}` answers; an erased entry keeps only its sequence number. */
export const auditEntryLookupSchema = z.object({
  index: z.number().int(),
  leafHash: z.string(),
  erased: z.boolean(),
  entry: z.union([auditEntrySchema, z.object({ seq: z.number().int(), erased: z.literal(true) })]),
});

export const checkpointSchema = z
  .object({
    logId: z.string(),
    size: z.number().int(),
    rootHash: z.string().meta({ description: 'hex SHA-256 root of the first size leaves' }),
    timestamp: z.number().meta({ description: 'epoch ms' }),
    keyId: z.string(),
    signature: z.string().meta({ description: 'base64 Ed25519 signature' }),
  })
  .meta({ id: 'Checkpoint' });
export type CheckpointJson = z.infer<typeof checkpointSchema>;

export const latestCheckpointSchema = checkpointSchema.extend({
  publicKey: z.string().meta({ description: 'PEM Ed25519 public key that verifies the signature' }),
});

export const inclusionProofSchema = z.object({
  index: z.number().int(),
  size: z.number().int(),
  leafHash: z.string(),
  rootHash: z.string(),
  proof: z.array(z.string()),
});
export const consistencyProofSchema = z.object({
  from: z.number().int(),
  to: z.number().int(),
  fromRootHash: z.string(),
  toRootHash: z.string(),
  proof: z.array(z.string()),
});

/** Bodies of the people-action endpoints (admin token required). */
export const auditActionBody = z.object({
  type: z
    .string()
    .regex(/^[a-z][a-z0-9_.-]{0,63}$/, 'expected a lowercase name like "config.change" (a-z, 0-9, _ . -)')
    .meta({ description: 'a lowercase name like config.change' }),
  actor: name,
  subject: name.nullable().optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export const auditErasureBody = z.object({ subject: name, actor: name });
export const auditRetentionBody = z.object({ actor: name });
export const messageSchema = z.object({ message: z.string() });
