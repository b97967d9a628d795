// The timestamp parse: its fast path for yyyy-mm-ddThh:mm:ss.sssZ held to the general path, and known instants of tricky texts.
import { describe, expect, it } from 'vitest';
import { generalTimestampText, parseTimestampText } from '../../lambdas/core/instant.js';

const zones = ['UTC', 'America/Sao_Paulo', 'America/New_York', 'Asia/Kolkata'];

/** Epoch µs of an ISO text with Z, by Date.parse (milliseconds) plus the microsecond digits. */
const micros = (iso: string, belowMs = 0) => Date.parse(iso) * 1000 + belowMs;

describe('parseTimestampText', () => {
  it('reads the canonical UTC form as the general path does, for instants across the whole accepted range', () => {
    // A deterministic walk over 1700..2250 in uneven steps: every month, leap days, ends of days and years.
    const texts: string[] = [];
    for (let t = Date.UTC(1700, 0, 1); t < Date.UTC(2250, 0, 1); t += 86_400_000 * 37 + 3_723_457) texts.push(new Date(t).toISOString());
    texts.push('2024-02-29T23:59:59.999Z', '2000-02-29T00:00:00.000Z', '1970-01-01T00:00:00.000Z', '1969-12-31T23:59:59.999Z');
    texts.push('1685-06-01T00:00:00.000Z', '2255-01-01T00:00:00.000Z');
    expect(texts.length).toBeGreaterThan(5000);
    for (const text of texts)
      for (const zone of ['UTC', 'America/Sao_Paulo']) {
        const fast = parseTimestampText(text, zone);
        expect(fast, text).toBe(generalTimestampText(text, zone));
        expect(fast, text).toBe(micros(text));
      }
  });

  it('refuses what the general path refuses, in texts of the canonical length', () => {
    const bad = [
      '2023-02-29T00:00:00.000Z', // not a leap year
      '1900-02-29T00:00:00.000Z', // a century that is not a leap year
      '2024-13-01T00:00:00.000Z',
      '2024-00-10T00:00:00.000Z',
      '2024-04-31T00:00:00.000Z',
      '2024-01-00T00:00:00.000Z',
      '2024-01-01T24:00:00.000Z',
      '2024-01-01T23:60:00.000Z',
      '2024-01-01T23:59:60.000Z',
      '2024-01-01T10:00:00.0a0Z',
      '2024-01-01T10:00:00.000z', // lower-case z: read by the general path, the same instant
      '2024-01-01 10:00:00.000Z', // a space for the T: the general path reads it
      '0099-01-01T00:00:00.000Z', // years below 100 are not read
      '1600-01-01T00:00:00.000Z', // before 1685: beyond exact microseconds
      '2300-01-01T00:00:00.000Z',
      '+2024-01-01T00:00:00.00Z',
      '2024-01-01T10:00:00.000+',
      ' 2024-01-01T10:00:00.00Z',
    ];
    for (const text of bad) {
      expect(text).toHaveLength(24);
      expect(parseTimestampText(text, 'UTC'), text).toBe(generalTimestampText(text, 'UTC'));
    }
    expect(parseTimestampText('2023-02-29T00:00:00.000Z', 'UTC')).toBeUndefined();
    expect(parseTimestampText('1600-01-01T00:00:00.000Z', 'UTC')).toBeUndefined();
    expect(parseTimestampText('2024-01-01T10:00:00.000z', 'UTC')).toBe(micros('2024-01-01T10:00:00.000Z'));
    expect(parseTimestampText('2024-01-01 10:00:00.000Z', 'UTC')).toBe(micros('2024-01-01T10:00:00.000Z'));
  });

  it('reads offsets, 1 to 9 fractional digits, and zone-less text in the business zone (DST gaps forward, repeated hours first)', () => {
    const cases: [string, string, number][] = [
      ['2024-01-19T10:00:00-03:00', 'UTC', micros('2024-01-19T13:00:00Z')],
      ['2024-01-19T10:00:00+0530', 'UTC', micros('2024-01-19T04:30:00Z')],
      ['2024-01-19T10:00:00+05', 'UTC', micros('2024-01-19T05:00:00Z')],
      ['2024-01-19T10:00:00.1Z', 'UTC', micros('2024-01-19T10:00:00.100Z')],
      ['2024-01-19T10:00:00.12Z', 'UTC', micros('2024-01-19T10:00:00.120Z')],
      ['2024-01-19T10:00:00.1234Z', 'UTC', micros('2024-01-19T10:00:00.123Z', 400)],
      ['2024-01-19T10:00:00.123456Z', 'UTC', micros('2024-01-19T10:00:00.123Z', 456)],
      ['2024-01-19T10:00:00.123456789Z', 'UTC', micros('2024-01-19T10:00:00.123Z', 456)],
      ['2024-01-19T10:00:00,5Z', 'UTC', micros('2024-01-19T10:00:00.500Z')],
      ['2024-02-29T23:59:59.999999-03:00', 'UTC', micros('2024-03-01T02:59:59.999Z', 999)],
      ['2024-01-19T10:00:00', 'America/Sao_Paulo', micros('2024-01-19T13:00:00Z')],
      ['2024-01-19', 'America/Sao_Paulo', micros('2024-01-19T03:00:00Z')],
      ['2024-07-01T12:00:00.250', 'Asia/Kolkata', micros('2024-07-01T06:30:00.250Z')],
      // New York skips 02:00-03:00 on 2024-03-10: 02:30 moves forward to 03:30 EDT (07:30Z).
      ['2024-03-10T02:30:00', 'America/New_York', micros('2024-03-10T07:30:00Z')],
      // It repeats 01:00-02:00 on 2024-11-03: 01:30 is its first occurrence, EDT (05:30Z).
      ['2024-11-03T01:30:00', 'America/New_York', micros('2024-11-03T05:30:00Z')],
      // Sao Paulo in 2018 skipped midnight to 01:00 on 2018-11-04.
      ['2018-11-04T00:30:00', 'America/Sao_Paulo', micros('2018-11-04T03:30:00Z')],
    ];
    for (const [text, zone, expected] of cases) {
      expect(parseTimestampText(text, zone), `${text} in ${zone}`).toBe(expected);
      expect(generalTimestampText(text, zone), `${text} in ${zone}`).toBe(expected);
    }
  });

  it('gives a zone-less canonical-length text the business zone, never UTC', () => {
    // 24 characters without a Z: not the fast path's shape.
    const text = '2024-01-19T10:00:00.1234';
    expect(text).toHaveLength(24);
    for (const zone of zones) expect(parseTimestampText(text, zone)).toBe(generalTimestampText(text, zone));
    expect(parseTimestampText(text, 'America/Sao_Paulo')).toBe(micros('2024-01-19T13:00:00.123Z', 400));
  });
});
