/**
 * Bounds on what one list answer can weigh, whatever is stored: rows written before ingest cut long
 * names, or a future engine that keeps them whole, must not make a 43 MB trace list (42 traces with
 * 1,000,000-character names once did). Every string of a list item is cut, and a page stops adding
 * items once its JSON passes a byte budget; its nextCursor then resumes right after the last item
 * sent, so nothing is skipped.
 */

/** Characters kept of a string in a list item (names, services, ids, attribute values). */
export const MAX_LIST_STRING = 1000;
/** Characters kept of a log body in the log list (the point of a log line, so more than a name). */
export const MAX_LOG_BODY = 16_384;
/** JSON characters of items in one list answer before it stops adding rows. */
export const MAX_ANSWER_CHARS = 4 * 1024 * 1024;

/** `text` cut to at most `max` characters, the last one an ellipsis when anything was cut. */
export function cutString(text: string, max = MAX_LIST_STRING): string {
  if (text.length <= max) return text;
  // do not split a surrogate pair
  let end = max - 1;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}

/** Attribute values cut like any list string (nested arrays and maps included); keys are kept. */
export function cutAttributeValues<T>(value: T, max = MAX_LIST_STRING): T {
  if (typeof value === 'string') return cutString(value, max) as T;
  if (Array.isArray(value)) return value.map((v) => cutAttributeValues(v, max)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[cutString(k, max)] = cutAttributeValues(v, max);
    return out as T;
  }
  return value;
}

/**
 * How many of `items` fit in `budget` JSON characters: always at least one (a page must move the
 * cursor forward), then items while the running total stays within the budget.
 */
export function itemsWithinBudget(items: readonly unknown[], budget = MAX_ANSWER_CHARS): number {
  let total = 0;
  for (let i = 0; i < items.length; i++) {
    total += JSON.stringify(items[i]).length + 1;
    if (total > budget && i > 0) return i;
  }
  return items.length;
}
