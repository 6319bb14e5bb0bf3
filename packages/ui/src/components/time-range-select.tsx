import { ALL_TIME, PRESETS } from '../lib/time-range.js';

/** Preset picker; explicit from/to in the URL show as "Custom". */
export function TimeRangeSelect({
  value,
  custom,
  onChange,
  allowAll = true,
}: {
  value: string;
  custom: boolean;
  onChange: (range: string) => void;
  allowAll?: boolean;
}) {
  return (
    <label class="field">
      <span>Time</span>
      <select
        data-testid="time-range"
        value={custom ? 'custom' : value}
        onChange={(e) => onChange((e.currentTarget as HTMLSelectElement).value)}
      >
        {custom && <option value="custom">Custom range</option>}
        {PRESETS.map((p) => (
          <option key={p.id} value={p.id}>
            {p.label}
          </option>
        ))}
        {allowAll && <option value={ALL_TIME}>All time</option>}
      </select>
    </label>
  );
}
