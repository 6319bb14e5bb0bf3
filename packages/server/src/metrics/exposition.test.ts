import { describe, expect, it } from 'vitest';
import { negotiateFormat } from './exposition.js';

describe('negotiateFormat', () => {
  it('picks OpenMetrics when Prometheus ranks it first', () => {
    const prom =
      'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';
    expect(negotiateFormat(prom)).toBe('openmetrics');
  });
  it('keeps the text format for browsers, curl and text-first clients', () => {
    expect(negotiateFormat(undefined)).toBe('prometheus');
    expect(negotiateFormat('*/*')).toBe('prometheus');
    expect(negotiateFormat('text/html,application/xhtml+xml,*/*;q=0.8')).toBe('prometheus');
    expect(negotiateFormat('text/plain;version=0.0.4;q=1,application/openmetrics-text;q=0.5')).toBe(
      'prometheus',
    );
    expect(negotiateFormat('application/openmetrics-text;q=0')).toBe('prometheus');
  });
});
