import { AsyncLocalStorage } from 'node:async_hooks';
import { type Context, context as otelContext, ROOT_CONTEXT } from '@opentelemetry/api';

/**
 * Witness keeps its own AsyncLocalStorage so nesting works without registering a global context
 * manager (that would replace one the host application already set up). When the host does have a
 * global context manager, its active context wins whenever it is set: a span a host library started
 * inside one of ours is then the parent of whatever Witness starts next, and vice versa.
 */
const storage = new AsyncLocalStorage<Context>();

export function activeContext(): Context {
  const global = otelContext.active();
  if (global !== ROOT_CONTEXT) return global;
  return storage.getStore() ?? ROOT_CONTEXT;
}

/** Runs `fn` with `ctx` active for Witness and for the global OpenTelemetry context manager. */
export function withContext<A extends unknown[], R>(ctx: Context, fn: (...args: A) => R, ...args: A): R {
  return storage.run(ctx, () => otelContext.with(ctx, fn, undefined, ...args));
}
