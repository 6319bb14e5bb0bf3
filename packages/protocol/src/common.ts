/** Shapes shared by many answers: attribute values, pages, the error body. */
import { z } from 'zod';
import { ERROR_CODES } from './constants.js';

/** Attribute values as they arrive over OTLP (arrays and kvlists kept as JSON). */
export type AttrValue = string | number | boolean | null | AttrValue[] | { [key: string]: AttrValue };
export type Attributes = Record<string, AttrValue>;

export const attrValueSchema: z.ZodType<AttrValue> = z
  .lazy(() =>
    z.union([
      z.string(),
      z.number(),
      z.boolean(),
      z.null(),
      z.array(attrValueSchema),
      z.record(z.string(), attrValueSchema),
    ]),
  )
  .meta({ id: 'AttrValue' });
export const attributesSchema = z.record(z.string(), attrValueSchema);

/** A page of newest-first results; pass `nextCursor` back as `cursor` for the next one (null: no more). */
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Body of every 4xx/5xx answer of the API (see server/http/errors). */
export const errorSchema = z
  .object({
    error: z.object({
      code: z.enum(ERROR_CODES),
      message: z.string().meta({ description: 'what was wrong and what to do' }),
    }),
  })
  .meta({ id: 'Error' });
export type ErrorJson = z.infer<typeof errorSchema>;
