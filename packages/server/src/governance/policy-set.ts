/**
 * A compiled set of CEL policies. Each expression is parsed and type-checked once, against the two
 * variables every policy sees (`span`, `trace`; see span-context.ts), so a typo in a variable name or a
 * syntax error stops the start (or a SIGHUP reload) with a message naming the policy, instead of
 * failing silently on every span. CEL is non-Turing-complete: an expression always terminates.
 *
 * Library: @marcbachmann/cel-js, chosen over @bufbuild/cel by bench:policy (same expressions, same
 * spans; see docs/governance.md) and for having no dependencies (@bufbuild/cel needs @bufbuild/protobuf).
 */
import { Environment } from '@marcbachmann/cel-js';
import type { PolicyAction, PolicySeverity } from '@witness/protocol';

export interface PolicySpec {
  name: string;
  description?: string;
  expression: string;
  severity: PolicySeverity;
  action: PolicyAction;
}

export interface CompiledPolicy extends PolicySpec {
  description: string;
  /** Span kinds the expression can match at all (a top-level `span.kind == …`/`in […]` conjunct), or null. */
  kinds: ReadonlySet<string> | null;
  evaluate: (ctx: Record<string, unknown>) => unknown;
  /**
   * A plain-JS pre-check compiled from the parts of the expression it can decide — `span.f == "lit"`,
   * `span.f in ["a", "b"]`, `"k" in span.attributes`, `span.f > 12.5` / `trace.f <= 3` — joined by the
   * expression's own `&&` and `||` (anything else counts as "may hold"). When it returns false the
   * expression is false whatever the rest (CEL's && is false if either side is), so CEL is not run.
   * Null when the expression has no such part.
   */
  guard: Guard | null;
  /** The `span.x` / `trace.y` / `span.attributes["k"]` paths the expression reads: recorded on a match. */
  reads: Array<{ path: string; keys: string[] }>;
}

type Guard = (span: Record<string, unknown>, trace: Record<string, unknown>) => boolean;

export class PolicyError extends Error {
  override name = 'PolicyError';
}

const LIMITS = { maxAstNodes: 2000, maxDepth: 32 };
/** Checks expressions: only `span` and `trace` exist, so a misspelt variable is refused at start. */
const CHECK_ENV = new Environment({
  unlistedVariablesAreDyn: false,
  homogeneousAggregateLiterals: false,
  limits: LIMITS,
})
  .registerVariable('span', 'map<string, dyn>')
  .registerVariable('trace', 'map<string, dyn>');
/**
 * Evaluates them: the same expression compiled with dynamic variables runs ~2× faster (bench:policy),
 * because a declared map<string, dyn> has its values checked on every evaluation.
 */
const EVAL_ENV = new Environment({
  unlistedVariablesAreDyn: true,
  homogeneousAggregateLiterals: false,
  limits: LIMITS,
});

const PATH = /\b(span|trace)((?:\.[A-Za-z_][A-Za-z0-9_]*|\[\s*"[^"\n]*"\s*\]|\[\s*'[^'\n]*'\s*\])+)/g;

/** The field paths an expression reads, e.g. span.mode, span.attributes["gen_ai.system"]. */
function readsOf(expression: string): CompiledPolicy['reads'] {
  const seen = new Map<string, string[]>();
  for (const m of expression.matchAll(PATH)) {
    const keys = [m[1]!];
    for (const part of m[2]!.matchAll(/\.([A-Za-z_][A-Za-z0-9_]*)|\[\s*["']([^"'\n]*)["']\s*\]/g))
      keys.push(part[1] ?? part[2]!);
    const path = (m[1]! + m[2]!).replace(/\s+/g, '');
    if (!seen.has(path)) seen.set(path, keys);
  }
  return [...seen].map(([path, keys]) => ({ path, keys }));
}

interface Node {
  op: string;
  args: unknown;
}
const isKind = (n: Node) =>
  n.op === '.' &&
  Array.isArray(n.args) &&
  (n.args[0] as Node).op === 'id' &&
  (n.args[0] as Node).args === 'span' &&
  n.args[1] === 'kind';
const stringValue = (n: Node) => (n.op === 'value' && typeof n.args === 'string' ? n.args : null);

/**
 * The span kinds an expression can be true for, read from its AST: `span.kind == "tool" && …` can only
 * hold for tool spans, so the policy is not evaluated on the others (most policies start this way, and
 * skipping them is what keeps 50 policies cheap at ingest; bench:policy). Null: any kind.
 */
function kindsOf(n: Node): Set<string> | null {
  const args = n.args as Node[];
  if (n.op === '&&') {
    const a = kindsOf(args[0]!);
    const b = kindsOf(args[1]!);
    if (a === null) return b;
    if (b === null) return a;
    return new Set([...a].filter((k) => b.has(k)));
  }
  if (n.op === '||') {
    const a = kindsOf(args[0]!);
    const b = kindsOf(args[1]!);
    return a === null || b === null ? null : new Set([...a, ...b]);
  }
  if (n.op === '==') {
    const [l, r] = args as [Node, Node];
    const lit = isKind(l) ? stringValue(r) : isKind(r) ? stringValue(l) : null;
    return lit === null ? null : new Set([lit]);
  }
  if (n.op === 'in' && isKind(args[0]!) && args[1]!.op === 'list') {
    const values = (args[1]!.args as Node[]).map(stringValue);
    return values.every((v) => v !== null) ? new Set(values as string[]) : null;
  }
  return null;
}

const isSpanField = (n: Node): string | null =>
  n.op === '.' &&
  Array.isArray(n.args) &&
  (n.args[0] as Node).op === 'id' &&
  (n.args[0] as Node).args === 'span' &&
  typeof n.args[1] === 'string' &&
  n.args[1] !== 'attributes'
    ? n.args[1]
    : null;
const isAttributes = (n: Node) =>
  n.op === '.' &&
  Array.isArray(n.args) &&
  (n.args[0] as Node).op === 'id' &&
  (n.args[0] as Node).args === 'span' &&
  n.args[1] === 'attributes';

const isTraceField = (n: Node): string | null =>
  n.op === '.' &&
  Array.isArray(n.args) &&
  (n.args[0] as Node).op === 'id' &&
  (n.args[0] as Node).args === 'trace' &&
  typeof n.args[1] === 'string'
    ? n.args[1]
    : null;
const numberValue = (n: Node): number | null =>
  n.op === 'value' && (typeof n.args === 'number' || typeof n.args === 'bigint') ? Number(n.args) : null;
const FLIP: Record<string, string> = { '>': '<', '<': '>', '>=': '<=', '<=': '>=' };

type Read = (span: Record<string, unknown>, trace: Record<string, unknown>) => unknown;

/** A numeric operand: `span.f`, `trace.f`, or a sum of them (`span.inputTokens + span.outputTokens`). */
function numericRead(n: Node): Read | null {
  const sf = isSpanField(n);
  if (sf !== null) return (s) => s[sf];
  const tf = isTraceField(n);
  if (tf !== null) return (_, t) => t[tf];
  if (n.op === '+') {
    const a = numericRead((n.args as Node[])[0]!);
    const b = numericRead((n.args as Node[])[1]!);
    if (a === null || b === null) return null;
    return (s, t) => {
      const x = a(s, t);
      const y = b(s, t);
      // strings concatenate in CEL: only numbers are summed here, anything else is left to CEL
      return typeof x === 'number' && typeof y === 'number' ? x + y : undefined;
    };
  }
  return null;
}

/** Compiles the parts of an expression a JS check can decide (see CompiledPolicy.guard); null: may hold. */
function guardOf(n: Node): Guard | null {
  const args = n.args as Node[];
  if (n.op === '&&' || n.op === '||') {
    const a = guardOf(args[0]!);
    const b = guardOf(args[1]!);
    if (n.op === '&&') return a === null ? b : b === null ? a : (s, t) => a(s, t) && b(s, t);
    return a === null || b === null ? null : (s, t) => a(s, t) || b(s, t);
  }
  if (n.op === '==') {
    const [l, r] = args as [Node, Node];
    const lf = isSpanField(l);
    const rf = isSpanField(r);
    const field = lf ?? rf;
    const lit = lf !== null ? stringValue(r) : rf !== null ? stringValue(l) : null;
    if (field === null || lit === null) return null;
    return (s) => s[field] === lit;
  }
  if (n.op === 'in') {
    const field = isSpanField(args[0]!);
    if (field !== null && args[1]!.op === 'list') {
      const values = (args[1]!.args as Node[]).map(stringValue);
      if (!values.every((v) => v !== null)) return null;
      const set = new Set(values as string[]);
      return (s) => {
        const v = s[field];
        return typeof v === 'string' && set.has(v);
      };
    }
    const key = stringValue(args[0]!);
    if (key !== null && isAttributes(args[1]!))
      return (s) => {
        const attrs = s.attributes;
        return attrs !== null && typeof attrs === 'object' && Object.hasOwn(attrs, key);
      };
    return null;
  }
  if (n.op === 'rcall' && Array.isArray(n.args) && n.args[0] === 'startsWith') {
    const field = isSpanField(n.args[1] as Node);
    const callArgs = n.args[2] as Node[];
    const lit = Array.isArray(callArgs) && callArgs.length === 1 ? stringValue(callArgs[0]!) : null;
    if (field === null || lit === null) return null;
    return (s) => {
      const v = s[field];
      return typeof v !== 'string' || v.startsWith(lit);
    };
  }
  if (n.op in FLIP) {
    const [l, r] = args as [Node, Node];
    let op = n.op;
    let field: Node = l;
    let lit = numberValue(r);
    if (lit === null) {
      lit = numberValue(l);
      field = r;
      op = FLIP[op]!;
    }
    if (lit === null) return null;
    const read = numericRead(field);
    if (read === null) return null;
    const limit = lit;
    // a value that is not a number is left to CEL (it may convert it, or count an error)
    const cmp =
      op === '>'
        ? (v: number) => v > limit
        : op === '>='
          ? (v: number) => v >= limit
          : op === '<'
            ? (v: number) => v < limit
            : (v: number) => v <= limit;
    return (s, t) => {
      const v = read(s, t);
      return typeof v !== 'number' || cmp(v);
    };
  }
  return null;
}

export function compilePolicy(spec: PolicySpec): CompiledPolicy {
  let evaluate: CompiledPolicy['evaluate'];
  let kinds: Set<string> | null = null;
  let guard: Guard | null = null;
  try {
    const checked = CHECK_ENV.parse(spec.expression).check();
    if (!checked.valid) throw checked.error;
    if (checked.type !== 'bool' && checked.type !== 'dyn')
      throw new Error(`the expression is of type ${checked.type}; a policy must be a bool`);
    const parsed = EVAL_ENV.parse(spec.expression);
    evaluate = parsed as unknown as CompiledPolicy['evaluate'];
    kinds = kindsOf(parsed.ast as unknown as Node);
    guard = guardOf(parsed.ast as unknown as Node);
  } catch (err) {
    throw new PolicyError(`policy ${spec.name}: ${(err as Error).message.split('\n')[0]}`);
  }
  return {
    ...spec,
    description: spec.description ?? '',
    evaluate,
    kinds,
    guard,
    reads: readsOf(spec.expression),
  };
}

export interface PolicyMatch {
  policy: CompiledPolicy;
  matched: Record<string, unknown>;
}

function valueAt(ctx: Record<string, unknown>, keys: string[]): unknown {
  let v: unknown = ctx;
  for (const k of keys) {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return typeof v === 'bigint' ? Number(v) : v;
}

export class PolicySet {
  readonly policies: readonly CompiledPolicy[];
  /** Evaluation errors per policy (a field of the wrong type on some span): counted, never thrown. */
  readonly errors: Record<string, number> = {};

  /** Compiles every spec; throws PolicyError naming the first bad one (the set in force stays as it was). */
  constructor(specs: readonly PolicySpec[]) {
    const names = new Set<string>();
    for (const s of specs) {
      if (names.has(s.name)) throw new PolicyError(`policy ${s.name} is defined twice`);
      names.add(s.name);
    }
    this.policies = specs.map(compilePolicy);
  }

  /** The policies `ctx` violates, with the values their expressions read. */
  evaluate(ctx: Record<string, unknown>): PolicyMatch[] {
    const out: PolicyMatch[] = [];
    // A CEL error (a missing map key, a wrong type) is an exception here; without a stack trace to
    // capture it costs ~5× less, and nobody reads it: it is counted, the policy does not match.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      const span = (ctx.span ?? {}) as Record<string, unknown>;
      const trace = (ctx.trace ?? {}) as Record<string, unknown>;
      const kind = typeof span.kind === 'string' ? span.kind : '';
      for (const policy of this.policies) {
        if (policy.kinds !== null && !policy.kinds.has(kind)) continue;
        if (policy.guard !== null && !policy.guard(span, trace)) continue;
        let result: unknown;
        try {
          result = policy.evaluate(ctx);
        } catch {
          this.errors[policy.name] = (this.errors[policy.name] ?? 0) + 1;
          continue;
        }
        if (result !== true) continue;
        const matched: Record<string, unknown> = {};
        for (const r of policy.reads) {
          const v = valueAt(ctx, r.keys);
          if (v !== undefined && (typeof v !== 'string' || v.length <= 256)) matched[r.path] = v;
          else if (typeof v === 'string') matched[r.path] = `${v.slice(0, 256)}…`;
        }
        out.push({ policy, matched });
      }
    } finally {
      Error.stackTraceLimit = stackTraceLimit;
    }
    return out;
  }
}
