// `train uplift` and `campaigns --uplift` on a real export: the 1,200 Hillstrom rows of test/fixtures/campaigns,
// imported with their feature columns.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importCampaign, parseCampaignMap } from '../../src/campaigns/import.ts';
import { upliftSplit } from '../../models/uplift/index.ts';
import { runCliInProcess } from '../helpers/cli.ts';

const HILLSTROM = path.join(import.meta.dirname, '..', 'fixtures', 'campaigns', 'hillstrom_sample.csv');
let lake: string;

/** customer_id, arm and visit of each row, read by a second path (the last columns hold no quoted commas). */
const rows = fs
  .readFileSync(HILLSTROM, 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((line) => {
    const f = line.split(',');
    return { id: f[0]!, arm: f.at(-4)!, visit: Number(f.at(-3)) };
  });

beforeAll(async () => {
  lake = fs.mkdtempSync(path.join(os.tmpdir(), 'retail-lake-uplift-cli-'));
  await importCampaign(HILLSTROM, {
    lakeDir: lake,
    campaignId: 'hillstrom',
    map: parseCampaignMap('customer_id=customer_id,arm=segment,visit=visit,conversion=conversion,spend=spend'),
    control: 'No E-Mail',
    features: ['recency', 'history', 'mens', 'womens', 'zip_code', 'newbie', 'channel'],
  });
});
afterAll(() => fs.rmSync(lake, { recursive: true, force: true }));

describe('train uplift and campaigns --uplift', () => {
  it('trains on one arm against control, stores the model, and campaigns --uplift scores it with onnxruntime to the same figures', async () => {
    const t = await runCliInProcess(['train', 'uplift', '--lake', lake, '--campaign', 'hillstrom', '--outcome', 'visit', '--treated-arm', 'Mens E-Mail', '--json']);
    expect(t.stderr).not.toMatch(/Error/);
    expect(t.status).toBe(0);
    const card = t.json() as { name: string; version: string; rows: Record<string, number>; metrics: Record<string, number>; feature_source: string; features: { name: string }[] };
    expect(card.name).toBe('uplift');
    expect(card.feature_source).toBe('import');
    // Text columns one-hot by level: zip_code has Rural, Surburban, Urban.
    expect(card.features.map((f) => f.name)).toEqual(expect.arrayContaining(['recency', 'history', 'zip_code=Rural', 'zip_code=Surburban', 'zip_code=Urban', 'channel=Web']));
    const mens = rows.filter((r) => r.arm === 'Mens E-Mail' || r.arm === 'No E-Mail');
    const heldOut = mens.filter((r) => upliftSplit(r.id) === 'evaluation');
    expect(card.rows.fit + card.rows.early_stopping + card.rows.evaluation).toBe(mens.length);
    expect(card.rows.evaluation).toBe(heldOut.length);
    const mean = (xs: { visit: number }[]) => xs.reduce((s, r) => s + r.visit, 0) / xs.length;
    const overall = mean(heldOut.filter((r) => r.arm === 'Mens E-Mail')) - mean(heldOut.filter((r) => r.arm === 'No E-Mail'));
    expect(card.metrics.overall_lift).toBeCloseTo(overall, 12);
    for (const k of ['qini', 'auuc', 'top10_lift', 'top20_lift', 'top30_lift']) expect(Number.isFinite(card.metrics[k]), k).toBe(true);

    const c = await runCliInProcess(['campaigns', '--lake', lake, '--campaign', 'hillstrom', '--uplift', '--json']);
    expect(c.status).toBe(0);
    const out = c.json() as { arms: { arm: string }[]; uplift: Record<string, { n: number; qini: number; top30_lift: number; overall_lift: number; evaluated_on: string; model_version: string }> };
    expect(out.arms.map((a) => a.arm)).toEqual(['No E-Mail', 'Mens E-Mail', 'Womens E-Mail']);
    const u = out.uplift['Mens E-Mail']!;
    // The campaign it learnt from: scored on the held-out customers only, through the lake and onnxruntime, to the
    // figures the training computed in TypeScript.
    expect(u).toMatchObject({ evaluated_on: 'held_out', n: heldOut.length, model_version: card.version });
    expect(u.qini).toBeCloseTo(card.metrics.qini, 5);
    expect(u.top30_lift).toBeCloseTo(card.metrics.top30_lift, 5);
    expect(u.overall_lift).toBeCloseTo(overall, 12);
    const womens = rows.filter((r) => (r.arm === 'Womens E-Mail' || r.arm === 'No E-Mail') && upliftSplit(r.id) === 'evaluation');
    expect(out.uplift['Womens E-Mail']!.n).toBe(womens.length);
  });

  it('fails with a message naming what is missing or unknown', async () => {
    const noOutcome = await runCliInProcess(['train', 'uplift', '--lake', lake, '--campaign', 'hillstrom']);
    expect(noOutcome.status).toBe(2);
    expect(noOutcome.stderr).toMatch(/train uplift needs --outcome NAME/);
    const unknown = await runCliInProcess(['train', 'uplift', '--lake', lake, '--campaign', 'hillstrom', '--outcome', 'revenue']);
    expect(unknown.stderr).toMatch(/--outcome "revenue": not known for any decision of hillstrom; outcomes: conversion, spend, visit/);
    const arm = await runCliInProcess(['train', 'uplift', '--lake', lake, '--campaign', 'hillstrom', '--outcome', 'visit', '--treated-arm', 'SMS']);
    expect(arm.stderr).toMatch(/--treated-arm "SMS": not a treated arm of hillstrom; arms: Mens E-Mail, Womens E-Mail/);
    const noCampaign = await runCliInProcess(['campaigns', '--lake', lake, '--uplift']);
    expect(noCampaign.stderr).toMatch(/--uplift needs --campaign ID/);
    for (const r of [noOutcome, unknown, arm, noCampaign]) expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
