import { type Attributes, type Context, createContextKey, ROOT_CONTEXT } from '@opentelemetry/api';

/**
 * Attributes carried by the context (session, user, conversation): set once around a piece of
 * work, copied onto every span started inside it.
 */
const KEY = createContextKey('witness.context-attributes');

export function getContextAttributes(ctx: Context): Attributes | undefined {
  return ctx === ROOT_CONTEXT ? undefined : (ctx.getValue(KEY) as Attributes | undefined);
}

export function setContextAttributes(ctx: Context, attributes: Attributes): Context {
  const previous = getContextAttributes(ctx);
  return ctx.setValue(KEY, previous === undefined ? attributes : { ...previous, ...attributes });
}
