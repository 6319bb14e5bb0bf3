/**
 * The OpenAPI 3.1 document of the whole HTTP surface, generated from API_ROUTES with zod's own
 * JSON Schema output (OpenAPI 3.1 schemas are JSON Schema 2020-12). Schemas that carry an `id`
 * become shared components.
 */
import { z } from 'zod';
import { type ApiRoute, API_ROUTES } from './api-routes.js';

type Json = Record<string, unknown>;

export const API_VERSION = '0.1.0';

/** Converts one schema; its `$defs` (the schemas with an id) move into `components`. */
function toSchema(schema: z.ZodType, components: Record<string, Json>): Json {
  const json = z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'any',
    target: 'draft-2020-12',
  }) as Json;
  const defs = (json.$defs ?? {}) as Record<string, Json>;
  delete json.$defs;
  delete json.$schema;
  const relink = (value: Json): Json =>
    JSON.parse(JSON.stringify(value).replaceAll('"#/$defs/', '"#/components/schemas/')) as Json;
  for (const [id, def] of Object.entries(defs)) components[id] ??= relink(def);
  return relink(json);
}

function parameters(route: ApiRoute, components: Record<string, Json>): Json[] {
  const out: Json[] = [];
  for (const [where, schema] of [
    ['path', route.pathParams],
    ['query', route.query],
  ] as const) {
    if (!schema) continue;
    for (const [name, field] of Object.entries(schema.shape)) {
      const json = toSchema(field as z.ZodType, components);
      const description = json.description;
      delete json.description;
      const required = where === 'path' || !(field as z.ZodType).safeParse(undefined).success;
      out.push({ name, in: where, required, ...(description ? { description } : {}), schema: json });
    }
  }
  return out;
}

function operation(route: ApiRoute, components: Record<string, Json>): Json {
  const responses: Json = {};
  for (const [status, answer] of Object.entries(route.responses)) {
    const media = answer.mediaType ?? 'application/json';
    responses[status] = {
      description: answer.description,
      ...(answer.schema
        ? { content: { [media]: { schema: toSchema(answer.schema, components) } } }
        : answer.mediaType
          ? { content: { [media]: {} } }
          : {}),
    };
  }
  const content: Json = {};
  if (route.body) content['application/json'] = { schema: toSchema(route.body, components) };
  for (const [media, description] of Object.entries(route.rawBody ?? {}))
    content[media] = { schema: { description } };
  const params = parameters(route, components);
  return {
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    tags: route.tags,
    ...(params.length > 0 ? { parameters: params } : {}),
    ...(Object.keys(content).length > 0 ? { requestBody: { required: true, content } } : {}),
    responses,
  };
}

/** The OpenAPI 3.1 document served at `GET /api/openapi.json`. */
export function buildOpenApiDocument(routes: readonly ApiRoute[] = API_ROUTES): Json {
  const components: Record<string, Json> = {};
  const paths: Record<string, Json> = {};
  for (const route of routes) {
    paths[route.path] ??= {};
    (paths[route.path] as Json)[route.method] = operation(route, components);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Witness HTTP API',
      version: API_VERSION,
      description:
        'Read what agents did, and send it. Generated from the zod schemas in @witness/protocol, which the server validates with. Times in nanoseconds are decimal strings. Every 4xx/5xx of /api answers { "error": { "code", "message" } }; unknown query parameters are a 400.',
    },
    paths,
    components: { schemas: components },
  };
}
