/** audit: the tamper-evident audit trail (RFC 9162 Merkle log, signed checkpoints, proofs, verifier). */
export type { AuditEntry, AuditEntryInput, AuditEntryType, ErasedEntry } from './audit-entry.js';
export { encodeEntry, isErased } from './audit-entry.js';
export { type AuditLogOptions, AuditLog } from './audit-log.js';
export type { AuditQuery } from './query-entries.js';
export { type Checkpoint, checkpointMessage, checkpointSignatureValid } from './checkpoint.js';
export { EMPTY_ROOT, leafHash, MerkleTree, nodeHash } from './merkle-tree.js';
export { keyIdOf, loadPublicKey, PRIVATE_KEY_FILE, PUBLIC_KEY_FILE, type SigningKey } from './signing-key.js';
export { type VerifyOptions, type VerifyProblem, type VerifyReport, verifyAuditLog } from './verify-log.js';
export { rootFromInclusionProof, verifyConsistency, verifyInclusion } from './verify-proof.js';
export {
  AuditSink,
  type AuditSinkOptions,
  auditSink,
  openAuditSink,
  type PersistentAuditSinkOptions,
  spanAuditEntries,
  spanKey,
} from './audit-sink.js';
export { auditRoutes } from './audit-routes.js';
export { type ExportOptions, exportAuditLog } from './export-log.js';
export { auditLogId, checkAgainstPublished, type PublishedCheckReport } from './published-checkpoints.js';
