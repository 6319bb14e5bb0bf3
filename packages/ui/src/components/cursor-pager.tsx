/**
 * "⇤ Newest" and "Older →" under a newest-first list paged by the API's cursor (`?cursor=` in the
 * page's URL, so a page is a link and Back works). Every cursor-paged page (traces, logs, anomalies,
 * governance violations) uses this one.
 */
import type { ComponentChildren } from 'preact';
import { navigate, useLocation, withQuery } from '../lib/router.js';

export function CursorPager({
  nextCursor,
  nextTestId,
  children,
}: {
  /** The answer's `nextCursor`: null when this is the oldest page. */
  nextCursor: string | null | undefined;
  nextTestId?: string;
  /** Shown after the buttons (a keyboard hint, say). */
  children?: ComponentChildren;
}) {
  const loc = useLocation();
  const onFirstPage = !loc.query.has('cursor');
  return (
    <div class="pager">
      <button
        type="button"
        class="btn"
        disabled={onFirstPage}
        onClick={() => navigate(withQuery(loc, { cursor: undefined }))}
      >
        ⇤ Newest
      </button>
      <button
        type="button"
        class="btn"
        data-testid={nextTestId}
        disabled={!nextCursor}
        onClick={() => navigate(withQuery(loc, { cursor: nextCursor ?? undefined }))}
      >
        Older →
      </button>
      {children}
    </div>
  );
}
