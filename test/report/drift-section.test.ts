// The report's feature-drift section (src/report/data.ts driftSection, src/train/drift.ts) on the trained test lake.
import { beforeAll, describe, expect, it } from 'vitest';
import { openLakeCatalog } from '../../src/lake/local-catalog.ts';
import { collectReportData, type ReportData } from '../../src/report/data.ts';
import { buildCharts } from '../../src/report/charts.ts';
import { reportBody } from '../../src/report/render.ts';
import { trainedLake } from '../train/fixture-lake.ts';

let data: ReportData;

beforeAll(async () => {
  const lake = await trainedLake();
  const cat = await openLakeCatalog(lake);
  try {
    data = await collectReportData(cat.conn, { lakeDir: lake });
  } finally {
    cat.close();
  }
}, 300_000);

describe('report: feature drift', () => {
  it('measures each model against the snapshot it was trained on: segments on today\'s (PSI 0), churn on as-of minus the horizon', () => {
    const d = data.drift!;
    expect(d.available).toBe(true);
    if (!d.available) return;
    expect(d.today).toBe('2025-12-31');
    const byModel = Object.fromEntries(d.models.map((m) => [m.model, m]));
    // Segments were trained on today's snapshot: the same values, so no drift at all (an independent expectation).
    expect(byModel.segments!.trainingSnapshot).toBe('2025-12-31');
    expect(byModel.segments!.features.every((f) => f.psi === 0)).toBe(true);
    // Churn was refitted on the snapshot 90 days earlier: the customers have aged, so some input moved.
    expect(byModel.churn!.trainingSnapshot).toBe('2025-10-02');
    expect(byModel.churn!.maxPsi).toBeGreaterThan(0);
    expect(byModel.churn!.features[0]!.psi).toBe(byModel.churn!.maxPsi);
  });

  it('renders a section naming the drifted features', () => {
    const html = reportBody(data, buildCharts(data));
    expect(html).toContain('id="drift"');
    expect(html).toMatch(/Feature drift \(PSI\)/);
  });
});
