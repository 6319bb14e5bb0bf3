import { describe, expect, it } from 'vitest';
import { EMPTY_ROOT, leafHash, MerkleTree, subtreeLevels } from './merkle-tree.js';
import { verifyConsistency, verifyInclusion } from './verify-proof.js';

/*
 * Published Certificate Transparency reference values (RFC 6962 = RFC 9162 hashing), copied from
 * github.com/transparency-dev/merkle: testonly/constants.go (leaf inputs, root hashes) and
 * proof/verify_test.go (inclusion and consistency proofs). Leaf numbers there are 1-based.
 */
const LEAVES = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
];
const ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const INCLUSION: [leaf1: number, size: number, proof: string[]][] = [
  [1, 1, []],
  [
    1,
    8,
    [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  ],
  [
    6,
    8,
    [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  ],
  [3, 3, ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125']],
  [
    2,
    5,
    [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  ],
];
const CONSISTENCY: [size1: number, size2: number, proof: string[]][] = [
  [1, 1, []],
  [
    1,
    8,
    [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  ],
  [
    6,
    8,
    [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  ],
  [
    2,
    5,
    [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  ],
  [
    6,
    7,
    [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  ],
];

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const unhex = (s: string) => Buffer.from(s, 'hex');

function referenceTree(): MerkleTree {
  const t = new MerkleTree();
  for (const l of LEAVES) t.appendLeafHash(leafHash(unhex(l)));
  return t;
}

describe('MerkleTree against the Certificate Transparency reference vectors', () => {
  it('computes the root of every size 0..8', () => {
    const t = referenceTree();
    expect(hex(EMPTY_ROOT)).toBe(ROOTS[0]);
    for (let n = 0; n <= 8; n++) expect(hex(t.root(n)), `size ${n}`).toBe(ROOTS[n]);
  });

  it('subtreeLevels (batched node hashes) gives the reference roots of sizes 1, 2, 4 and 8', () => {
    for (const n of [1, 2, 4, 8]) {
      const leaves = Buffer.concat(LEAVES.slice(0, n).map((l) => leafHash(unhex(l))));
      const levels = subtreeLevels(leaves);
      expect(hex(n === 1 ? leaves : (levels[levels.length - 1] as Buffer)), `size ${n}`).toBe(ROOTS[n]);
    }
  });

  it('grows to the same roots leaf by leaf', () => {
    const t = new MerkleTree();
    LEAVES.forEach((l, i) => {
      t.appendLeafHash(leafHash(unhex(l)));
      expect(hex(t.root())).toBe(ROOTS[i + 1]);
    });
  });

  it('produces and verifies the published inclusion proofs', () => {
    const t = referenceTree();
    for (const [leaf1, size, proof] of INCLUSION) {
      const got = t.inclusionProof(leaf1 - 1, size).map(hex);
      expect(got, `leaf ${leaf1} size ${size}`).toEqual(proof);
      const lh = leafHash(unhex(LEAVES[leaf1 - 1] as string));
      expect(verifyInclusion(leaf1 - 1, size, lh, proof.map(unhex), unhex(ROOTS[size] as string))).toBe(true);
    }
  });

  it('produces and verifies the published consistency proofs', () => {
    const t = referenceTree();
    for (const [m, n, proof] of CONSISTENCY) {
      expect(t.consistencyProof(m, n).map(hex), `${m}→${n}`).toEqual(proof);
      const ok = verifyConsistency(
        m,
        n,
        unhex(ROOTS[m] as string),
        unhex(ROOTS[n] as string),
        proof.map(unhex),
      );
      expect(ok, `${m}→${n}`).toBe(true);
    }
  });

  it('rejects corrupted inclusion proofs (wrong index, size, leaf, root, flipped bit, extra or missing hash)', () => {
    const [leaf1, size, proofHex] = INCLUSION[2] as [number, number, string[]];
    const proof = proofHex.map(unhex);
    const lh = leafHash(unhex(LEAVES[leaf1 - 1] as string));
    const root = unhex(ROOTS[size] as string);
    const i = leaf1 - 1;
    expect(verifyInclusion(i, size, lh, proof, root)).toBe(true);
    expect(verifyInclusion(i - 1, size, lh, proof, root)).toBe(false);
    expect(verifyInclusion(i + 1, size, lh, proof, root)).toBe(false);
    expect(verifyInclusion(i, size * 2, lh, proof, root)).toBe(false);
    expect(verifyInclusion(i, size / 2, lh, proof, root)).toBe(false);
    expect(verifyInclusion(i, size, leafHash(Buffer.from('x')), proof, root)).toBe(false);
    expect(verifyInclusion(i, size, lh, proof, EMPTY_ROOT)).toBe(false);
    expect(verifyInclusion(i, size, lh, [...proof, root], root)).toBe(false);
    expect(verifyInclusion(i, size, lh, [root, ...proof], root)).toBe(false);
    expect(verifyInclusion(i, size, lh, proof.slice(0, -1), root)).toBe(false);
    for (let k = 0; k < proof.length; k++) {
      const bad = proof.map((p) => Buffer.from(p));
      (bad[k] as Buffer)[0] ^= 8;
      expect(verifyInclusion(i, size, lh, bad, root)).toBe(false);
    }
  });

  it('rejects corrupted consistency proofs', () => {
    const [m, n, proofHex] = CONSISTENCY[2] as [number, number, string[]];
    const proof = proofHex.map(unhex);
    const r1 = unhex(ROOTS[m] as string);
    const r2 = unhex(ROOTS[n] as string);
    expect(verifyConsistency(m, n, r1, r2, proof)).toBe(true);
    expect(verifyConsistency(m - 1, n, r1, r2, proof)).toBe(false);
    expect(verifyConsistency(m + 1, n, r1, r2, proof)).toBe(false);
    expect(verifyConsistency(m, n * 2, r1, r2, proof)).toBe(false);
    expect(verifyConsistency(m, n, r2, r1, proof)).toBe(false);
    expect(verifyConsistency(m, n, r1, r2, [])).toBe(false);
    expect(verifyConsistency(m, n, r1, r2, proof.slice(0, -1))).toBe(false);
    expect(verifyConsistency(m, n, r1, r2, [...proof, r2])).toBe(false);
    expect(verifyConsistency(n, m, r2, r1, proof)).toBe(false);
    for (let k = 0; k < proof.length; k++) {
      const bad = proof.map((p) => Buffer.from(p));
      (bad[k] as Buffer)[0] ^= 16;
      expect(verifyConsistency(m, n, r1, r2, bad)).toBe(false);
    }
  });

  it('every proof of a larger tree verifies against a naive recomputation', () => {
    const t = new MerkleTree();
    const naive: Buffer[] = [];
    for (let i = 0; i < 70; i++) {
      const h = leafHash(Buffer.from(`entry ${i}`));
      t.appendLeafHash(h);
      naive.push(h);
    }
    for (let n = 1; n <= 70; n += 7) {
      const root = t.root(n);
      for (let i = 0; i < n; i += 3)
        expect(verifyInclusion(i, n, naive[i] as Buffer, t.inclusionProof(i, n), root)).toBe(true);
      for (let m = 1; m <= n; m += 5)
        expect(verifyConsistency(m, n, t.root(m), root, t.consistencyProof(m, n))).toBe(true);
    }
  });
});

describe('subtrees hashed apart', () => {
  it('appendSubtree gives the same roots and proofs as appending leaf by leaf', () => {
    const leaf = (i: number) => leafHash(Buffer.from(`entry ${i}`));
    const one = new MerkleTree();
    const joined = new MerkleTree();
    const sizes = [4, 4, 8, 1, 1, 2, 16, 16, 64];
    let at = 0;
    for (const n of sizes) {
      // A subtree must start at a multiple of its width: pad with single leaves until it does.
      while (at % n !== 0) {
        one.appendLeafHash(leaf(at));
        joined.appendLeafHash(leaf(at));
        at++;
      }
      const leaves = Buffer.concat(Array.from({ length: n }, (_, k) => leaf(at + k)));
      for (let k = 0; k < n; k++) one.appendLeafHash(leaf(at + k));
      joined.appendSubtree([leaves, ...subtreeLevels(leaves)]);
      at += n;
      expect(joined.size).toBe(one.size);
      expect(joined.root().equals(one.root())).toBe(true);
    }
    for (let size = 1; size <= at; size += 7) {
      expect(joined.root(size).equals(one.root(size))).toBe(true);
      expect(joined.inclusionProof(size - 1, size)).toEqual(one.inclusionProof(size - 1, size));
      expect(joined.consistencyProof(Math.ceil(size / 3), size)).toEqual(
        one.consistencyProof(Math.ceil(size / 3), size),
      );
    }
  });

  it('refuses a subtree that is not aligned or not complete', () => {
    const tree = new MerkleTree();
    tree.appendLeafHash(leafHash(Buffer.from('a')));
    const leaves = Buffer.alloc(4 * 32, 1);
    expect(() => tree.appendSubtree([leaves, ...subtreeLevels(leaves)])).toThrow('not aligned');
    expect(() => subtreeLevels(Buffer.alloc(3 * 32))).toThrow('power of two');
  });
});

describe('a tree that keeps closed chunks on disk (readLeaves)', () => {
  const leaf = (i: number) => leafHash(Buffer.from(`entry ${i}`));

  /** A whole tree and a chunked one over the same leaves; the chunked one reads from `all`. */
  function pair(count: number, chunkBits: number) {
    const all: Buffer[] = [];
    const reads: [number, number][] = [];
    const whole = new MerkleTree();
    const chunked = new MerkleTree({
      chunkBits,
      readLeaves: (start, n) => {
        reads.push([start, n]);
        expect(start + n).toBeLessThanOrEqual(chunked.size);
        return Buffer.concat(all.slice(start, start + n));
      },
    });
    for (let i = 0; i < count; i++) {
      all.push(leaf(i));
      whole.appendLeafHash(leaf(i));
      chunked.appendLeafHash(leaf(i));
    }
    return { whole, chunked, reads };
  }

  it('gives the same roots, leaves, inclusion and consistency proofs as the whole tree', () => {
    const { whole, chunked, reads } = pair(300, 4);
    for (let size = 1; size <= 300; size += 13) {
      expect(chunked.root(size).equals(whole.root(size)), `root ${size}`).toBe(true);
      for (let i = 0; i < size; i += 11) {
        expect(chunked.leafHashAt(i).equals(whole.leafHashAt(i))).toBe(true);
        expect(chunked.inclusionProof(i, size)).toEqual(whole.inclusionProof(i, size));
      }
      for (let m = 1; m <= size; m += 17)
        expect(chunked.consistencyProof(m, size)).toEqual(whole.consistencyProof(m, size));
    }
    // closed chunks were read back whole (16 leaves, aligned), never the open one
    expect(reads.length).toBeGreaterThan(0);
    for (const [start, n] of reads) {
      expect(n).toBe(16);
      expect(start % 16).toBe(0);
      expect(start + n).toBeLessThanOrEqual(288);
    }
  });

  it('the root of the current size needs no read, and memory holds only the open chunk below the chunk level', () => {
    const { chunked, reads } = pair(1000, 4);
    chunked.root();
    expect(reads).toEqual([]);
    // 1000 = 62 closed chunks of 16 + 8 open leaves: level 0 holds the 8 open ones only
    const level0 = (chunked as unknown as { levels: { first: number; length: number }[] }).levels[0];
    expect(level0?.length).toBe(1000);
    expect(level0?.first).toBe(992);
  });

  it('appendSubtree skips the levels a chunk-aligned subtree would drop, with the same answers', () => {
    const all: Buffer[] = [];
    const chunked = new MerkleTree({
      chunkBits: 3,
      readLeaves: (s, n) => Buffer.concat(all.slice(s, s + n)),
    });
    const whole = new MerkleTree();
    for (const n of [4, 4, 8, 1, 1, 2, 16, 32, 2]) {
      while (all.length % n !== 0) {
        all.push(leaf(all.length));
        whole.appendLeafHash(all.at(-1) as Buffer);
        chunked.appendLeafHash(all.at(-1) as Buffer);
      }
      const leaves = Array.from({ length: n }, (_, k) => leaf(all.length + k));
      all.push(...leaves);
      for (const l of leaves) whole.appendLeafHash(l);
      const joined = Buffer.concat(leaves);
      chunked.appendSubtree([joined, ...subtreeLevels(joined)]);
      expect(chunked.root().equals(whole.root())).toBe(true);
    }
    for (let size = 1; size <= all.length; size += 5) {
      expect(chunked.inclusionProof(size - 1, size)).toEqual(whole.inclusionProof(size - 1, size));
      expect(chunked.consistencyProof(Math.ceil(size / 3), size)).toEqual(
        whole.consistencyProof(Math.ceil(size / 3), size),
      );
    }
  });
});
