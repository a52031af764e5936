/**
 * Carrier events: a parcel's life from the shipment's creation to delivery (or its return to the sender), linked to
 * the online order it ships by `order_id` and to the shipment by `shipment_id`. Carriers report GPS positions (the
 * van's pings, the door where a parcel was handed over or an attempt failed); a delivery position is the customer's
 * home, personal data, so the cleanser replaces every `location` by a geohash of configurable precision
 * (CleanserConfig.gpsPrecision, about 5 km by default) before the curated zone. The raw zone keeps the record as sent,
 * for as long as its retention (docs/privacy.md).
 */
import { z } from 'zod';
import { code, timestampInput } from './primitives.ts';

/** A GPS position as carriers send it (WGS 84 degrees). Curated rows carry `{ geohash }` instead (see above). */
export const gpsLocation = z
  .object({
    lat: z.number().min(-90).max(90).describe('Latitude, WGS 84 degrees'),
    lon: z.number().min(-180).max(180).describe('Longitude, WGS 84 degrees'),
    accuracy_m: z.number().min(0).max(100_000).optional().describe('Radius of the fix in metres, as the device reports it'),
  })
  .describe('GPS fix; coarsened to a geohash by the cleanser before the curated zone');

/** Fields every carrier event carries. */
const shipment = {
  shipment_id: code.describe('Carrier-independent shipment id (one order can ship in several parcels)'),
  order_id: code.describe('The online order shipped (online.order payload.order_id)'),
  carrier: code.describe('Carrier code, e.g. SF_EXPRESS, ZTO'),
};

export const SHIPPING_SERVICES = ['standard', 'express'] as const;
export const FAILED_ATTEMPT_REASONS = ['no_one_home', 'address_not_found', 'refused', 'access_denied', 'other'] as const;
export const RETURN_REASONS = ['attempts_exhausted', 'refused', 'address_not_found', 'damaged', 'other'] as const;

export const shipmentCreatedV1 = z.object({
  ...shipment,
  service: z.enum(SHIPPING_SERVICES).describe('Service level bought at checkout'),
  promised_by: timestampInput.describe('Latest delivery time promised to the customer'),
  region: z.string().max(100).optional().describe('Destination province / region as the carrier routes it'),
  city: z.string().max(100).optional().describe('Destination city'),
  location: gpsLocation.optional().describe('Geocoded destination address (personal data: coarsened by the cleanser)'),
});
export const shipmentDispatchedV1 = z.object({
  ...shipment,
  tracking_number: z.string().min(1).max(64).optional().describe("Carrier's waybill number"),
  location: gpsLocation.optional().describe('Where the parcel left (warehouse)'),
});
export const locationPingV1 = z.object({ ...shipment, location: gpsLocation.describe('Position of the parcel (courier device)') });
export const outForDeliveryV1 = z.object({ ...shipment, location: gpsLocation.optional() });
export const deliveredV1 = z.object({
  ...shipment,
  received_by: z.enum(['customer', 'neighbour', 'locker', 'reception']).optional().describe('Who took the parcel'),
  location: gpsLocation.optional().describe('Where it was handed over (personal data: coarsened by the cleanser)'),
});
export const failedAttemptV1 = z.object({
  ...shipment,
  attempt: z.int().min(1).max(20).describe('1-based number of the delivery attempt'),
  reason: z.enum(FAILED_ATTEMPT_REASONS),
  location: gpsLocation.optional().describe('Where the attempt was made (personal data: coarsened by the cleanser)'),
});
export const returnedToSenderV1 = z.object({ ...shipment, reason: z.enum(RETURN_REASONS) });
