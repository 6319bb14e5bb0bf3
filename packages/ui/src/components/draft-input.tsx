/**
 * A text input whose typed text survives re-renders.
 *
 * Filter fields take their value from the URL. A plain controlled `<input value={fromUrl}>` is reset
 * by Preact on every re-render of its page (Preact writes `value` whenever it differs from the DOM),
 * and pages re-render whenever data arrives — so text typed while the list refreshes vanished
 * before Enter committed it. This input keeps what the person typed as a draft and takes the URL's
 * value only when the URL's value itself changes (a link, Back, "Clear filters").
 */
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';

type InputProps = Omit<JSX.InputHTMLAttributes<HTMLInputElement>, 'value' | 'onInput'>;

export function DraftInput({ value, ...rest }: InputProps & { value: string }) {
  const [draft, setDraft] = useState(value);
  useEffect(() => setDraft(value), [value]);
  return <input {...rest} value={draft} onInput={(e) => setDraft(e.currentTarget.value)} />;
}
