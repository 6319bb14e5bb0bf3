/**
 * A signed checkpoint: Ed25519 over (log id, size, root hash, timestamp). The signed bytes are a small
 * text note, one field a line, so any tool can rebuild and check them.
 */
import { type KeyObject, sign, verify } from 'node:crypto';

export interface Checkpoint {
  logId: string;
  size: number;
  /** Hex SHA-256 root of the first `size` leaves. */
  rootHash: string;
  /** Epoch ms. */
  timestamp: number;
  keyId: string;
  /** Base64 Ed25519 signature of `checkpointMessage`. */
  signature: string;
}

export function checkpointMessage(c: Pick<Checkpoint, 'logId' | 'size' | 'rootHash' | 'timestamp'>): Buffer {
  return Buffer.from(`witness-audit-checkpoint/v1\n${c.logId}\n${c.size}\n${c.rootHash}\n${c.timestamp}\n`);
}

export function signCheckpoint(
  fields: Pick<Checkpoint, 'logId' | 'size' | 'rootHash' | 'timestamp' | 'keyId'>,
  privateKey: KeyObject,
): Checkpoint {
  const signature = sign(null, checkpointMessage(fields), privateKey).toString('base64');
  return { ...fields, signature };
}

export function checkpointSignatureValid(c: Checkpoint, publicKey: KeyObject): boolean {
  try {
    return verify(null, checkpointMessage(c), publicKey, Buffer.from(c.signature, 'base64'));
  } catch {
    return false;
  }
}
