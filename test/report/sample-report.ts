/** A ReportData with every section available, its texts set to `text` (hostile strings in the escaping tests). */
import type { ReportData } from '../../src/report/data.ts';

export function sampleReport(text = 'Champions'): ReportData {
  return {
    title: 'retail-lake report',
    generatedAt: '2026-01-01T00:00:00.000Z',
    lake: `/tmp/${text}`,
    asOf: null,
    pipeline: {
      available: true,
      totals: { received: 10, raw: 10, clean: 7, orderLines: 4, quarantined: 2, duplicates: 1, suppressed: 0 },
      byDay: [
        { day: '2025-03-01', raw: 6, clean: 4, orderLines: 2, quarantined: 1 },
        { day: '2025-03-02', raw: 4, clean: 3, orderLines: 2, quarantined: 1 },
      ],
      uncharted: { raw: 0, quarantined: 0 },
      byReason: [{ reason: text, records: 2 }],
      freshness: [{ source: text, events: 7, latest: '2025-03-02 10:00:00' }],
    },
    tags: {
      available: true,
      asOf: '2025-03-02',
      customers: 3,
      purchasers: 2,
      revenue365d: 120.5,
      rfmSegments: [{ segment: text, customers: 2, avgRecencyDays: 1, avgOrders365d: 1.5, avgRevenue365d: 60, avgOrderValue: 40 }],
      rfmGrid: [{ r: 5, f: 4, customers: 2, avgM: 3 }],
      lifecycle: [{ stage: text, customers: 3 }],
    },
    segments: {
      available: true,
      asOf: '2025-03-02',
      modelVersion: text,
      segments: [{ segment: text, customers: 3, outliers: 0, avgChurnProbability: 0.2, avgClv365d: 100, avgRecencyDays: 3, avgOrders365d: 1, avgOrderValue: 40 }],
    },
    churn: {
      available: true,
      asOf: '2025-03-02',
      modelVersion: 'v1',
      scored: 3,
      histogram: [{ from: 0, to: 0.5, customers: 1 }, { from: 0.5, to: 1, customers: 2 }],
      atRiskThreshold: 0.5,
      atRiskCount: 2,
      atRisk: [{ customerKey: text, memberId: text, segment: text, churnProbability: 0.8, clv365d: 300, reasons: [{ feature: text, meaning: text, value: 1, contribution: 0.5 }] }],
    },
    clv: { available: true, asOf: '2025-03-02', modelVersion: 'v1', customers: 3, total: 500, median: 100, p90: 300, histogram: [{ from: 0, to: 100, customers: 2 }, { from: 100, to: null, customers: 1 }] },
    forecasts: {
      available: true,
      asOf: '2025-03-02',
      modelVersion: 'v1',
      seriesCount: 1,
      actualsTable: null,
      series: [{ seriesId: text, points: [{ period: '2025-03-03', forecast: 5, lower: 3, upper: 7, actual: null }] }],
    },
    events: { available: true, total: 2, unreadable: 0, byType: [{ type: text, count: 2 }] },
    coupons: { available: true, table: 'coupons', typeColumn: 'campaign', total: 1, faceValue: 50, byType: [{ type: text, count: 1 }] },
    sourceCoupons: { available: true, byType: [{ discountType: text, issued: 3, redeemed: 1 }] },
    deliveries: {
      available: true,
      finished: 3,
      late: 1,
      rate: 1 / 3,
      months: ['2025-03'],
      byCarrier: [{ key: text, finished: 3, late: 1, rate: 1 / 3 }],
      byRegion: [{ key: text, finished: 3, late: 1, rate: 1 / 3 }],
      carrierByMonth: [{ key: text, rates: [1 / 3] }],
      regionByMonth: [{ key: text, rates: [1 / 3] }],
      cells: [{ month: '2025-03', carrier: text, region: text, finished: 3, late: 1 }],
    },
    campaigns: {
      available: true,
      campaigns: [
        {
          campaign_id: text,
          n: 3,
          control_arm: text,
          outcome_kinds: { [text]: 'rate' },
          arms: [{ arm: text, is_control: false, n: 2, outcomes: { [text]: { rate: 0.5, lift: 0.1, ci_low: -0.2, ci_high: 0.4, n: 2 } } }],
          segments: [],
          money: [{ arm: text, incremental_revenue: 10, incremental_revenue_ci: [-5, 25], incremental_margin: 3, coupon_cost: 2, roi: 0.5 }],
          srm: null,
          warnings: [text],
          method: text,
        },
      ],
    },
  };
}
