/** The answer of `GET /api/exporters` (what `witness exporters status` and the UI's Exporters panel show). */
import { z } from 'zod';

export const EXPORTER_STATES = ['idle', 'batching', 'sending', 'retrying', 'stopped'] as const;

export const exporterStatusSchema = z
  .object({
    name: z.string(),
    type: z.string().meta({ description: 'otlp, prometheus_remote_write, …' }),
    state: z.enum(EXPORTER_STATES).meta({
      description:
        'idle: nothing queued; batching: waiting for a fuller batch; sending: a request in flight; retrying: the last attempt failed, waiting to retry',
    }),
    queue: z.object({
      records: z.number().int().meta({ description: 'records waiting (in flight included)' }),
      bytes: z.number().int(),
      oldestAgeSeconds: z
        .number()
        .meta({ description: 'the lag: how long the oldest waiting record has waited' }),
      maxBytes: z.number().int(),
    }),
    sent: z.number().int().meta({ description: 'records accepted by the target since start' }),
    rejected: z
      .number()
      .int()
      .meta({ description: 'records refused inside accepted requests (OTLP partial_success)' }),
    failedAttempts: z.number().int(),
    dropped: z.number().int().meta({ description: 'records dropped because the queue was full' }),
    deadLettered: z
      .number()
      .int()
      .meta({ description: 'records of batches refused for good (in dead-letter.ndjson)' }),
    attempt: z.number().int().meta({ description: 'consecutive failed attempts of the batch at the head' }),
    lastError: z
      .object({ message: z.string(), status: z.number().int().nullable(), at: z.string() })
      .nullable(),
    lastSuccessAt: z.string().nullable(),
    nextAttemptAt: z.string().nullable(),
  })
  .meta({ id: 'ExporterStatus' });
export type ExporterStatusView = z.infer<typeof exporterStatusSchema>;

export const exporterListSchema = z
  .object({ exporters: z.array(exporterStatusSchema) })
  .meta({ id: 'ExporterList' });
export type ExporterList = z.infer<typeof exporterListSchema>;
