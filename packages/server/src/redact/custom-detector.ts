/**
 * Custom regex detectors from the config. A user's pattern runs on every span, so it is refused at start
 * when safe-regex2 finds nested quantifiers (star height > 1, the shape of catastrophic backtracking),
 * and values are scanned in windows of at most `maxChars` so even a slow-but-accepted pattern meets a
 * bound per call.
 */
import safeRegex from 'safe-regex2';
import type { Detector } from './detectors.js';

export interface CustomDetectorSpec {
  name: string;
  pattern: string;
  /** Regex flags besides `g` (which is always added): i, m, s, u. */
  flags?: string;
  /** The mask: `<LABEL>`. @default the name in upper case */
  label?: string;
}

export class UnsafePatternError extends Error {}

export function customDetector(spec: CustomDetectorSpec, maxChars: number): Detector {
  const flags = spec.flags ?? '';
  if (!/^[imsu]*$/.test(flags))
    throw new UnsafePatternError(
      `custom detector ${spec.name}: flags may only be i, m, s, u (got '${flags}')`,
    );
  let re: RegExp;
  try {
    re = new RegExp(spec.pattern, `${flags}g`);
  } catch (err) {
    throw new UnsafePatternError(`custom detector ${spec.name}: invalid pattern: ${(err as Error).message}`);
  }
  if (!safeRegex(re))
    throw new UnsafePatternError(
      `custom detector ${spec.name}: pattern ${spec.pattern} may backtrack catastrophically (nested quantifiers); rewrite it without a quantified group that itself contains a quantifier`,
    );
  if (re.test(''))
    throw new UnsafePatternError(`custom detector ${spec.name}: pattern matches the empty string`);
  return {
    name: spec.name,
    label: spec.label ?? spec.name.toUpperCase(),
    find(text, out) {
      for (let from = 0; from < text.length; ) {
        // windows end at whitespace where there is one, so a value is rarely cut in two
        let to = Math.min(text.length, from + maxChars);
        if (to < text.length) {
          const ws = text.lastIndexOf(' ', to);
          if (ws > from + maxChars / 2) to = ws;
        }
        const window = from === 0 && to === text.length ? text : text.slice(from, to);
        re.lastIndex = 0;
        for (let m = re.exec(window); m !== null; m = re.exec(window)) {
          if (m[0].length === 0) {
            re.lastIndex++;
            continue;
          }
          out.push(from + m.index, from + m.index + m[0].length);
        }
        from = to;
      }
    },
  };
}
