import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newSpanRecord } from '../model/index.js';
import { evaluateCorpus, loadCorpus } from './fixtures/evaluate-corpus.js';
import { redactorFromConfig } from './from-config.js';
import { Redactor } from './redactor.js';

const KEY = Buffer.alloc(32, 7);

describe('Redactor.redactText', () => {
  const r = new Redactor();
  it('masks each kind with its label and leaves the rest of the text as sent', () => {
    expect(r.redactText('mail alice@example.com now')).toBe('mail <EMAIL> now');
    expect(r.redactText('card 4111 1111 1111 1111.')).toBe('card <CARD>.');
    expect(r.redactText('IBAN DE89 3704 0044 0532 0130 00 please')).toBe('IBAN <IBAN> please');
    expect(r.redactText('key sk-proj-abc123DEF456ghi789JKL012mno')).toBe('key <API_KEY>');
    expect(r.redactText('ssn 078-05-1120')).toBe('ssn <SSN>');
    expect(r.redactText('call +44 20 7946 0958 or (415) 555-0132')).toBe('call <PHONE> or <PHONE>');
    expect(r.redactText('Authorization: Bearer abcdefghijklmnop0123')).toBe(
      'Authorization: Bearer <BEARER_TOKEN>',
    );
    expect(r.redactText('id AKIAIOSFODNN7EXAMPLE')).toBe('id <AWS_KEY>');
  });
  it('finds the shortest value of each kind, alone as an attribute (the short-value pre-check lets them through)', () => {
    const all = new Redactor({ detectors: { ip: { enabled: true } } });
    for (const [value, detector] of [
      ['ab@c.de', 'email'],
      ['-----BEGIN PRIVATE KEY-----', 'private_key'],
      ['eyJhbGci.eyJzdWIx.', 'jwt'],
      ['Bearer abcdefghijklmnop', 'bearer_token'],
      ['AKIAIOSFODNN7EXAMPLE', 'aws_key'],
      ['xoxb-1234567890', 'api_key'],
      ['NO9386011117947', 'iban'],
      ['4222222222222', 'card'],
      ['123-45-6789', 'ssn'],
      ['+4930123456', 'phone'],
      ['1.1.1.1', 'ip'],
      ['abcd::ef', 'ip'],
    ])
      expect(
        all.findings(value!).map((f) => f.detector),
        value,
      ).toEqual([detector]);
  });
  it('keeps near-misses: a Luhn-invalid card-like order number, versions, timestamps, a bad IBAN', () => {
    for (const s of [
      'order 4111111111111112 shipped',
      'node 20.19.4 on 2024-01-15T10:30:00.000Z (1733097600000)',
      'IBAN DE89370400440532013001 is wrong',
      'use sk-learn for this task',
      'the bearer of bad news',
      'not an SSN: 000-12-3456',
    ])
      expect(r.redactText(s), s).toBe(s);
  });
  it('leaves IP addresses alone unless the ip detector is enabled', () => {
    expect(r.redactText('host 10.0.0.1 down')).toBe('host 10.0.0.1 down');
    expect(new Redactor({ detectors: { ip: { enabled: true } } }).redactText('host 10.0.0.1 down')).toBe(
      'host <IP> down',
    );
  });
  it('masks a private key block whole, even when the value was cut before its END line', () => {
    expect(r.redactText('k: -----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY----- ok')).toBe(
      'k: <PRIVATE_KEY> ok',
    );
    expect(r.redactText('k: -----BEGIN RSA PRIVATE KEY-----\nMIIEvQIBADANBgkq')).toBe('k: <PRIVATE_KEY>');
  });
  it('counts findings per detector', () => {
    const c = new Redactor();
    c.redactText('a@example.com b@example.com 4111111111111111');
    expect(c.counts.email).toBe(2);
    expect(c.counts.card).toBe(1);
  });
});

describe('actions', () => {
  it('hash: a keyed HMAC, equal values equal, different keys different', () => {
    const a = new Redactor({ detectors: { email: { action: 'hash' } }, hashKey: KEY });
    const x = a.redactText('from alice@example.com');
    expect(x).toMatch(/^from <EMAIL:[0-9a-f]{16}>$/);
    expect(a.redactText('to alice@example.com')).toBe(x.replace('from', 'to'));
    const b = new Redactor({ detectors: { email: { action: 'hash' } }, hashKey: Buffer.alloc(32, 8) });
    expect(b.redactText('from alice@example.com')).not.toBe(x);
  });
  it('a hash action without a key is refused at construction', () => {
    expect(() => new Redactor({ detectors: { email: { action: 'hash' } } })).toThrow(/HMAC key/);
  });
  it('drop removes the attribute holding the value, and input/output become null', () => {
    const r = new Redactor({ detectors: { card: { action: 'drop' } } });
    const span = newSpanRecord('svc', {}, '', '');
    span.attributes = { note: 'card 4111111111111111', other: 'fine text here' };
    span.input = 'card 4111111111111111';
    r.redactSpan(span);
    expect(span.attributes).toEqual({ other: 'fine text here' });
    expect(span.input).toBeNull();
  });
});

describe('Redactor.redactSpan', () => {
  it('scans every free-text place, skips identity fields, redacts resources once', () => {
    const r = new Redactor();
    const resource = { 'service.name': 'svc', owner: 'ops@example.com' };
    const span = newSpanRecord('svc', resource, '', '');
    span.name = 'lookup alice@example.com';
    span.statusMessage = 'failed for bob@example.com';
    span.attributes = {
      'gen_ai.input.messages': '[{"content":"my card is 5555555555554444"}]',
      'user.id': 'carol@example.com',
      'session.id': 'sess-dave@example.com',
      nested: { list: ['x', 'eve@example.com'] },
    };
    span.input = span.attributes['gen_ai.input.messages'] as string;
    span.output = 'sent to frank@example.com';
    span.userId = 'carol@example.com';
    span.events = [
      { name: 'exception', timeUnixNano: 1n, attributes: { 'exception.message': 'no grace@example.com' } },
    ];
    r.redactSpan(span);
    expect(span.name).toBe('lookup <EMAIL>');
    expect(span.statusMessage).toBe('failed for <EMAIL>');
    expect(span.attributes['gen_ai.input.messages']).toBe('[{"content":"my card is <CARD>"}]');
    expect(span.input).toBe('[{"content":"my card is <CARD>"}]');
    expect(span.output).toBe('sent to <EMAIL>');
    expect(span.attributes['user.id']).toBe('carol@example.com');
    expect(span.attributes['session.id']).toBe('sess-dave@example.com');
    expect(span.userId).toBe('carol@example.com');
    expect(span.attributes.nested).toEqual({ list: ['x', '<EMAIL>'] });
    expect(span.events[0]!.attributes['exception.message']).toBe('no <EMAIL>');
    expect(resource.owner).toBe('<EMAIL>');
  });
  it('identity: hash replaces user and session ids by their HMAC, consistently with the attributes', () => {
    const r = new Redactor({ identity: 'hash', hashKey: KEY });
    const span = newSpanRecord('svc', {}, '', '');
    span.attributes = { 'user.id': 'carol@example.com' };
    span.userId = 'carol@example.com';
    r.redactSpan(span);
    expect(span.userId).toMatch(/^[0-9a-f]{16}$/);
    expect(span.attributes['user.id']).toBe(span.userId);
  });
  it('per-attribute rules: skip, hash, drop', () => {
    const r = new Redactor({ attributes: { raw: 'skip', secret: 'drop', account: 'hash' }, hashKey: KEY });
    const span = newSpanRecord('svc', {}, '', '');
    span.attributes = { raw: 'a@example.com kept', secret: 'anything', account: 'acct-12345' };
    r.redactSpan(span);
    expect(span.attributes.raw).toBe('a@example.com kept');
    expect('secret' in span.attributes).toBe(false);
    expect(span.attributes.account).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('custom detectors', () => {
  it('find their pattern and mask it with their label', () => {
    const r = new Redactor({ custom: [{ name: 'employee_id', pattern: 'EMP-\\d{6}' }] });
    expect(r.redactText('ask EMP-123456 about it')).toBe('ask <EMPLOYEE_ID> about it');
  });
  it('refuse a catastrophic pattern at start, naming it', () => {
    expect(() => new Redactor({ custom: [{ name: 'bad', pattern: '(a+)+$' }] })).toThrow(/bad.*backtrack/);
  });
  it('scan long values window by window, so every occurrence is still found', () => {
    const r = new Redactor({ custom: [{ name: 'tag', pattern: 'TAG-\\d{4}' }], customMaxChars: 256 });
    const text = Array.from({ length: 200 }, (_, i) => `word TAG-${String(i).padStart(4, '0')}`).join(' ');
    expect(r.redactText(text)).not.toMatch(/TAG-\d/);
    expect(r.counts.tag).toBe(200);
  });
});

describe('redactorFromConfig', () => {
  it('generates the HMAC key under the data dir with mode 0600 only when a hash action needs it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'witness-redact-'));
    const base = {
      enabled: true,
      hashKeyFile: null,
      detectors: {},
      custom: [],
      attributes: {},
      identity: 'keep' as const,
    };
    redactorFromConfig(base, dir);
    expect(() => statSync(join(dir, 'keys', 'redaction-hmac.key'))).toThrow();
    let created = '';
    const r = redactorFromConfig({ ...base, identity: 'hash' }, dir, (p) => (created = p))!;
    expect(statSync(created).mode & 0o777).toBe(0o600);
    expect(readFileSync(created, 'utf8').trim()).toMatch(/^[0-9a-f]{64}$/);
    // the same key on the next start: hashed values stay joinable across restarts
    const again = redactorFromConfig({ ...base, identity: 'hash' }, dir)!;
    expect(again.hash('x')).toBe(r.hash('x'));
  });
  it('is null when redaction is off', () => {
    expect(redactorFromConfig({ enabled: false, hashKeyFile: null }, '/nonexistent')).toBeNull();
  });
});

describe('the labelled corpus', () => {
  it('every detector has precision and recall >= 0.98 (bench:redact prints the figures)', () => {
    const corpus = loadCorpus();
    expect(corpus.length).toBeGreaterThanOrEqual(500);
    const { scores, mistakes } = evaluateCorpus(
      new Redactor({ detectors: { ip: { enabled: true } } }),
      corpus,
    );
    for (const [name, s] of Object.entries(scores)) {
      expect(s.precision, `${name} precision; ${mistakes.join('\n')}`).toBeGreaterThanOrEqual(0.98);
      expect(s.recall, `${name} recall; ${mistakes.join('\n')}`).toBeGreaterThanOrEqual(0.98);
    }
    expect(Object.keys(scores).length).toBe(11);
  });
});
