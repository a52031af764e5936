/**
 * Geohash (G. Niemeyer, 2008): a position as a base-32 string whose every character halves the cell in longitude and
 * latitude alternately (5 bits a character, longitude first). The cleanser keeps only a geohash of a GPS fix in the
 * curated zone: 5 characters name a cell of about 4.9 km x 4.9 km, 4 about 39 km x 20 km, 6 about 1.2 km x 0.6 km.
 */
const BASE32 = '0123456789bcdefghjkmnpqrstuvwxyz';

/** Smallest and largest precision the cleanser accepts (1: about 5000 km; 9: about 5 m). */
export const MIN_GPS_PRECISION = 1;
export const MAX_GPS_PRECISION = 9;
/** The default: a cell of about 4.9 km x 4.9 km, a district rather than a home. */
export const DEFAULT_GPS_PRECISION = 5;

/** The geohash of (lat, lon) with `precision` characters. */
export function geohashEncode(lat: number, lon: number, precision: number): string {
  let latLo = -90;
  let latHi = 90;
  let lonLo = -180;
  let lonHi = 180;
  let out = '';
  let bits = 0;
  let ch = 0;
  let evenBit = true;
  while (out.length < precision) {
    if (evenBit) {
      const mid = (lonLo + lonHi) / 2;
      if (lon >= mid) {
        ch = (ch << 1) | 1;
        lonLo = mid;
      } else {
        ch <<= 1;
        lonHi = mid;
      }
    } else {
      const mid = (latLo + latHi) / 2;
      if (lat >= mid) {
        ch = (ch << 1) | 1;
        latLo = mid;
      } else {
        ch <<= 1;
        latHi = mid;
      }
    }
    evenBit = !evenBit;
    if (++bits === 5) {
      out += BASE32[ch];
      bits = 0;
      ch = 0;
    }
  }
  return out;
}

/** The cell a geohash names: its south-west and north-east corners. */
export function geohashBounds(hash: string): { latMin: number; latMax: number; lonMin: number; lonMax: number } {
  let latMin = -90;
  let latMax = 90;
  let lonMin = -180;
  let lonMax = 180;
  let evenBit = true;
  for (const c of hash) {
    const v = BASE32.indexOf(c);
    if (v < 0) throw new Error(`'${c}' is not a geohash character`);
    for (let b = 4; b >= 0; b--) {
      const bit = (v >> b) & 1;
      if (evenBit) {
        const mid = (lonMin + lonMax) / 2;
        if (bit) lonMin = mid;
        else lonMax = mid;
      } else {
        const mid = (latMin + latMax) / 2;
        if (bit) latMin = mid;
        else latMax = mid;
      }
      evenBit = !evenBit;
    }
  }
  return { latMin, latMax, lonMin, lonMax };
}
