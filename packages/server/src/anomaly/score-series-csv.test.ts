import { describe, expect, it } from 'vitest';
import { AnomalyDetector } from './anomaly-detector.js';
import { parseTimestamp, SeriesCsvError, scoreSeriesCsv as scoreBytes } from './score-series-csv.js';

const scoreSeriesCsv = (text: string) => Buffer.from(scoreBytes(Buffer.from(text))).toString('utf8');

const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

function csv(n: number, value = (i: number) => String(10 + (i % 7))): string {
  const rows = ['timestamp,value'];
  const t0 = Date.UTC(2014, 3, 1);
  for (let i = 0; i < n; i++) {
    rows.push(`${new Date(t0 + i * 300_000).toISOString().slice(0, 19).replace('T', ' ')},${value(i)}`);
  }
  return `${rows.join('\n')}\n`;
}

describe('scoreSeriesCsv', () => {
  it('writes one row per input row with the same timestamp and value text and a score in [0, 1]', () => {
    const input = csv(500, (i) => (i === 400 ? '1e3' : `${10 + (i % 7)}.50`));
    const out = scoreSeriesCsv(input).trimEnd().split('\n');
    const rows = input.trimEnd().split('\n');
    expect(out[0]).toBe('timestamp,value,anomaly_score');
    expect(out).toHaveLength(rows.length);
    for (let i = 1; i < rows.length; i++) {
      const [ts, v, score] = out[i].split(',');
      expect(`${ts},${v}`).toBe(rows[i]);
      expect(Number(score) >= 0 && Number(score) <= 1).toBe(true);
      expect(score).toMatch(/^(0|1|0\.\d{12})$/);
    }
    expect(Number(out[401].split(',')[2])).toBeGreaterThan(0.5);
  });

  it('accepts CRLF, a BOM and trailing blank lines', () => {
    const input = `\ufeff${csv(3).replace(/\n/g, '\r\n')}\r\n\r\n`;
    expect(scoreSeriesCsv(input).trimEnd().split('\n')).toHaveLength(4);
  });

  it('reads every number format as Number() does: scores equal a detector fed Number(text)', () => {
    const formats = [
      (x: number) => x.toFixed(4),
      (x: number) => x.toExponential(6),
      (x: number) => `+${x.toPrecision(17)}`,
      (x: number) => ` ${x.toFixed(2)} `,
      (x: number) => `${(x * 1e12).toFixed(0)}e-12`,
      (x: number) => String(-x),
    ];
    const t0 = Date.UTC(2014, 3, 1);
    const texts: string[] = [];
    const times: number[] = [];
    for (let i = 0; i < 600; i++) {
      const x = 50 + 20 * Math.sin(i / 20) + (i % 13) * 0.37 + (i === 500 ? 90 : 0);
      texts.push(formats[i % formats.length](x));
      times.push(t0 + i * 300_000);
    }
    const input = `timestamp,value\n${texts.map((v, i) => `${iso(times[i])},${v}`).join('\n')}\n`;
    const got = scoreSeriesCsv(input)
      .trimEnd()
      .split('\n')
      .slice(1)
      .map((l) => Number(l.split(',')[2]));
    const det = new AnomalyDetector();
    const want = texts.map((v, i) => det.update(Number(v), times[i]));
    for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThan(1e-12);
    expect(Math.max(...want)).toBeGreaterThan(0.5);
  });

  it.each([
    ['', /line 1: empty file/],
    ['time,value\n2014-04-01 00:00:00,1\n', /line 1: expected the header "timestamp,value"/],
    ['timestamp,value\n2014-04-01 00:00:00,abc\n', /line 2: bad number "abc"/],
    ['timestamp,value\n2014-04-01 00:00:00,\n', /line 2: bad number ""/],
    ['timestamp,value\n2014-04-01 00:00:00,Infinity\n', /line 2: bad number/],
    ['timestamp,value\n2014-04-01 00:00:00,1.2.3\n', /line 2: bad number "1.2.3"/],
    ['timestamp,value\n2014-04-01 00:00:00,- 1\n', /line 2: bad number/],
    ['timestamp,value\n2014-04-01 0a:00:00,1\n', /line 2: bad timestamp/],
    ['timestamp,value\n2014-04-01,1\n', /line 2: bad timestamp "2014-04-01"/],
    ['timestamp,value\n2014-13-01 00:00:00,1\n', /line 2: bad timestamp/],
    ['timestamp,value\n2014-04-01 00:00:00,1,2\n', /line 2: expected two fields/],
    ['timestamp,value\n2014-04-01 00:00:00,1\n\n2014-04-01 00:05:00,1\n', /line 3: empty line/],
    [
      'timestamp,value\n2014-04-02 00:00:00,1\n2014-04-01 00:00:00,2\n',
      /line 3: timestamp 2014-04-01 00:00:00 is more than an hour earlier/,
    ],
  ])('rejects %j', (input, message) => {
    expect(() => scoreSeriesCsv(input)).toThrow(SeriesCsvError);
    expect(() => scoreSeriesCsv(input)).toThrow(message);
  });

  it('scores a repeated clock hour in file order (NAB machine_temperature steps back 55 minutes)', () => {
    const input = 'timestamp,value\n2014-01-07 02:55:00,1\n2014-01-07 02:00:00,2\n2014-01-07 03:00:00,3\n';
    expect(scoreSeriesCsv(input).trimEnd().split('\n')).toHaveLength(4);
  });

  it('parses NAB timestamps as UTC, with optional fractional seconds', () => {
    expect(parseTimestamp('2014-04-01 00:05:00')).toBe(Date.UTC(2014, 3, 1, 0, 5));
    expect(parseTimestamp('2011-07-01 00:00:01.5')).toBe(Date.UTC(2011, 6, 1, 0, 0, 1) + 500);
    expect(parseTimestamp('2014-04-01T00:05:00')).toBe(Date.UTC(2014, 3, 1, 0, 5));
    expect(parseTimestamp('yesterday')).toBeNaN();
  });
});
