/**
 * Polls `probe` until it gives a value (anything but undefined, null or false) and returns it; past
 * `timeoutMs` throws naming `what` (plus `options.detail()`, what the test knows about the state).
 * Tests wait for servers, exporters and pages this way instead of sleeping for a fixed time, so a
 * loaded machine makes them slower, not wrong.
 */
export interface UntilOptions {
  /** Time between probes. @default 100 */
  intervalMs?: number;
  /** A probe that throws counts as "not yet" (a server still starting, a page still loading). */
  ignoreErrors?: boolean;
  /** Added to the timeout's message. */
  detail?: () => string;
}

export async function until<T>(
  what: string,
  probe: () => T | Promise<T>,
  timeoutMs = 30_000,
  options: UntilOptions = {},
): Promise<Exclude<T, undefined | null | false>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let v: T | undefined;
    try {
      v = await probe();
    } catch (err) {
      if (!options.ignoreErrors) throw err;
    }
    if (v !== undefined && v !== null && v !== false) return v as Exclude<T, undefined | null | false>;
    if (Date.now() > deadline) {
      const detail = options.detail ? `; ${options.detail()}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 100));
  }
}
