/**
 * @witness/protocol — the shapes the query API speaks, shared by server, UI and CLI.
 * No I/O here: types and zod schemas only.
 */
export * from './api-types.js';
