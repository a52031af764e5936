/**
 * GPS coarsening: a carrier's fix may be a customer's home, so the curated payload carries only a geohash cell of the
 * configured precision. Vectors from the geohash reference (Wikipedia's "ezs42", geohash.org's "u4pruydqqvj").
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCleanser } from '../../src/cleanse/cleanser.ts';
import { CleanserConfigError } from '../../src/cleanse/errors.ts';
import { geohashBounds, geohashEncode } from '../../src/cleanse/geohash.ts';

const VALID = path.resolve(import.meta.dirname, '../fixtures/events/valid');
const fixture = (name: string) => fs.readFileSync(path.join(VALID, `${name}.json`));
const KEY = 'gps-test-key-0123456789abcdef';
const RECEIVED = Date.UTC(2025, 2, 10);

function cleanPayload(name: string, gpsPrecision?: number): Record<string, unknown> {
  const out = createCleanser({ piiKey: KEY, ...(gpsPrecision === undefined ? {} : { gpsPrecision }) }).cleanse({ data: fixture(name), origin: 'test', receivedAt: RECEIVED });
  if (out.kind !== 'clean') throw new Error(`${name} was quarantined: ${out.row.message}`);
  return JSON.parse(out.event.payload) as Record<string, unknown>;
}

describe('geohash', () => {
  it('encodes the reference vectors', () => {
    expect(geohashEncode(42.605, -5.603, 5)).toBe('ezs42');
    expect(geohashEncode(57.64911, 10.40744, 11)).toBe('u4pruydqqvj');
  });
  it('names a cell that holds the point, about 4.9 km wide at 5 characters', () => {
    const b = geohashBounds(geohashEncode(31.230416, 121.473701, 5));
    expect(31.230416).toBeGreaterThanOrEqual(b.latMin);
    expect(31.230416).toBeLessThan(b.latMax);
    expect(121.473701).toBeGreaterThanOrEqual(b.lonMin);
    expect(121.473701).toBeLessThan(b.lonMax);
    // 360 / 2^12 degrees of longitude and 180 / 2^13 of latitude at 5 characters (25 bits: 13 lon, 12 lat).
    expect(b.lonMax - b.lonMin).toBeCloseTo(360 / 2 ** 13, 12);
    expect(b.latMax - b.latMin).toBeCloseTo(180 / 2 ** 12, 12);
  });
});

describe('cleanser GPS coarsening', () => {
  it('replaces every location by its geohash and keeps no coordinate', () => {
    for (const name of ['delivery.shipment_created.v1', 'delivery.dispatched.v1', 'delivery.location_ping.v1', 'delivery.delivered.v1', 'delivery.failed_attempt.v1']) {
      const raw = JSON.parse(fixture(name).toString('utf8')) as { payload: { location: { lat: number; lon: number } } };
      const p = cleanPayload(name);
      expect(p.location, name).toEqual({ geohash: geohashEncode(raw.payload.location.lat, raw.payload.location.lon, 5) });
      const text = JSON.stringify(p);
      expect(text).not.toContain(String(raw.payload.location.lat));
      expect(text).not.toContain(String(raw.payload.location.lon));
      expect(text).not.toMatch(/"(lat|lon|accuracy_m)"/);
    }
  });
  it('follows the configured precision', () => {
    const five = (cleanPayload('delivery.delivered.v1').location as { geohash: string }).geohash;
    const three = (cleanPayload('delivery.delivered.v1', 3).location as { geohash: string }).geohash;
    expect(five).toHaveLength(5);
    expect(three).toBe(five.slice(0, 3));
  });
  it('keeps the promised time as UTC ISO and the order link', () => {
    const p = cleanPayload('delivery.shipment_created.v1');
    expect(p.promised_by).toBe('2025-03-03T15:59:59.000Z'); // 23:59:59 Asia/Shanghai
    expect(p.order_id).toBe('OL202503010000123');
    expect(p.carrier).toBe('SF_EXPRESS');
  });
  it('refuses a precision outside 1..9, naming it', () => {
    for (const bad of [0, 10, 4.5]) expect(() => createCleanser({ piiKey: KEY, gpsPrecision: bad })).toThrow(CleanserConfigError);
    expect(() => createCleanser({ piiKey: KEY, gpsPrecision: 12 })).toThrow(/gpsPrecision 12/);
  });
});
