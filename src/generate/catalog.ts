/**
 * The retailer's world: stores (ten in Chinese cities plus the online shop), eight categories with ~400 SKUs,
 * log-normal list prices per category, brands, store assortments and the promotion calendar. Everything a
 * customer can buy is decided here, before any customer exists.
 */
import type { Day } from './calendar.ts';
import { Rng, Sampler } from './rng.ts';

export interface CategoryDef {
  readonly name: string;
  readonly skuCount: number;
  readonly medianPrice: number;
  /** Log-scale spread of list prices. */
  readonly priceSigma: number;
  readonly subcategories: readonly { readonly name: string; readonly nouns: readonly string[] }[];
  readonly brands: readonly string[];
  readonly adjectives: readonly string[];
  /** The category a basket most often continues into (shoes after apparel...), for co-purchase structure. */
  readonly complement: string;
  /** Weights of quantities 1, 2, 3, 4 per line: food is bought by the several. */
  readonly quantityWeights: readonly number[];
}

export const CATEGORIES: readonly CategoryDef[] = [
  {
    name: 'Apparel', skuCount: 80, medianPrice: 189, priceSigma: 0.55, complement: 'Shoes', quantityWeights: [85, 13, 2, 0],
    subcategories: [
      { name: 'Tops', nouns: ['T-Shirt', 'Shirt', 'Hoodie', 'Sweater', 'Blouse'] },
      { name: 'Bottoms', nouns: ['Jeans', 'Trousers', 'Skirt', 'Shorts'] },
      { name: 'Dresses', nouns: ['Dress', 'Maxi Dress'] },
      { name: 'Outerwear', nouns: ['Jacket', 'Coat', 'Down Jacket', 'Windbreaker'] },
    ],
    brands: ['Lumio', 'Northfield', 'Aster & Co', 'Kite', 'Mori'],
    adjectives: ['Classic', 'Relaxed', 'Slim', 'Everyday', 'Linen', 'Cotton', 'Oversized', 'Cropped'],
  },
  {
    name: 'Shoes', skuCount: 40, medianPrice: 399, priceSigma: 0.45, complement: 'Sports', quantityWeights: [95, 5, 0, 0],
    subcategories: [
      { name: 'Sneakers', nouns: ['Sneakers', 'Running Shoes', 'Canvas Shoes'] },
      { name: 'Boots', nouns: ['Boots', 'Ankle Boots', 'Chelsea Boots'] },
      { name: 'Sandals', nouns: ['Sandals', 'Slippers', 'Loafers'] },
    ],
    brands: ['Stride', 'Pace', 'Terra'],
    adjectives: ['Cloud', 'Urban', 'Trail', 'Leather', 'Knit', 'Retro'],
  },
  {
    name: 'Beauty', skuCount: 60, medianPrice: 149, priceSigma: 0.6, complement: 'Beauty', quantityWeights: [75, 20, 5, 0],
    subcategories: [
      { name: 'Skincare', nouns: ['Moisturiser', 'Serum', 'Cleanser', 'Sunscreen', 'Face Mask'] },
      { name: 'Makeup', nouns: ['Lipstick', 'Foundation', 'Mascara', 'Eyeliner', 'Cushion Compact'] },
      { name: 'Fragrance', nouns: ['Perfume', 'Eau de Toilette', 'Body Mist'] },
    ],
    brands: ['Lotus Lab', 'Cerise', 'Jade Garden', 'Aura'],
    adjectives: ['Hydrating', 'Rose', 'Matte', 'Gentle', 'Radiance', 'Velvet', 'Green Tea'],
  },
  {
    name: 'Home', skuCount: 55, medianPrice: 119, priceSigma: 0.7, complement: 'Food', quantityWeights: [80, 15, 5, 0],
    subcategories: [
      { name: 'Kitchen', nouns: ['Frying Pan', 'Knife Set', 'Kettle', 'Mug', 'Rice Cooker'] },
      { name: 'Bedding', nouns: ['Duvet', 'Pillow', 'Bed Sheet', 'Blanket'] },
      { name: 'Decor', nouns: ['Scented Candle', 'Vase', 'Photo Frame', 'Cushion'] },
    ],
    brands: ['Hearth', 'Linden', 'Nook'],
    adjectives: ['Nordic', 'Ceramic', 'Bamboo', 'Soft', 'Minimal', 'Oak'],
  },
  {
    name: 'Electronics', skuCount: 40, medianPrice: 299, priceSigma: 0.85, complement: 'Electronics', quantityWeights: [92, 8, 0, 0],
    subcategories: [
      { name: 'Audio', nouns: ['Earbuds', 'Headphones', 'Bluetooth Speaker'] },
      { name: 'Accessories', nouns: ['Charger', 'Power Bank', 'Phone Case', 'USB-C Cable'] },
      { name: 'Smart Home', nouns: ['Smart Bulb', 'Smart Plug', 'Robot Vacuum'] },
    ],
    brands: ['Voltix', 'Sonora', 'Pixelle'],
    adjectives: ['Pro', 'Mini', 'Wireless', 'Fast', 'Max', 'Lite'],
  },
  {
    name: 'Sports', skuCount: 45, medianPrice: 169, priceSigma: 0.6, complement: 'Shoes', quantityWeights: [85, 12, 3, 0],
    subcategories: [
      { name: 'Fitness', nouns: ['Yoga Mat', 'Dumbbells', 'Resistance Band', 'Jump Rope'] },
      { name: 'Outdoor', nouns: ['Backpack', 'Water Bottle', 'Tent', 'Trekking Poles'] },
      { name: 'Sportswear', nouns: ['Leggings', 'Sports Bra', 'Track Jacket'] },
    ],
    brands: ['Summit', 'Flex', 'Ridge'],
    adjectives: ['Active', 'Alpine', 'Breathable', 'Compact', 'Core'],
  },
  {
    name: 'Kids', skuCount: 40, medianPrice: 89, priceSigma: 0.55, complement: 'Kids', quantityWeights: [70, 20, 10, 0],
    subcategories: [
      { name: 'Toys', nouns: ['Building Blocks', 'Puzzle', 'Plush Toy', 'Toy Car'] },
      { name: 'Baby Care', nouns: ['Diapers', 'Baby Wipes', 'Baby Lotion'] },
      { name: 'Kids Clothing', nouns: ['Kids T-Shirt', 'Kids Jacket', 'Pyjamas'] },
    ],
    brands: ['Little Oak', 'Bubbles', 'Panda Cub'],
    adjectives: ['Happy', 'Tiny', 'Rainbow', 'Soft', 'Explorer'],
  },
  {
    name: 'Food', skuCount: 40, medianPrice: 36, priceSigma: 0.5, complement: 'Home', quantityWeights: [50, 30, 12, 8],
    subcategories: [
      { name: 'Snacks', nouns: ['Mixed Nuts', 'Dried Mango', 'Cookies', 'Dark Chocolate'] },
      { name: 'Tea & Coffee', nouns: ['Green Tea', 'Oolong Tea', 'Coffee Beans', 'Drip Coffee'] },
      { name: 'Pantry', nouns: ['Olive Oil', 'Honey', 'Noodles', 'Jasmine Rice'] },
    ],
    brands: ['Golden Field', 'Tea Pavilion', 'Morning Bean'],
    adjectives: ['Organic', 'Roasted', 'Premium', 'Wild', 'Family Pack'],
  },
];

export interface Sku {
  readonly index: number;
  readonly sku: string;
  readonly name: string;
  readonly noun: string;
  readonly category: number;
  readonly subcategory: string;
  readonly brand: string;
  readonly listPrice: number;
  readonly isActive: boolean;
  /** Day index from which it is no longer sold (Infinity while active). */
  readonly discontinuedDay: number;
  /** Relative demand within its category (Zipf-like). */
  readonly popularity: number;
  /** Latent product quality: drives ratings, defect tickets and returns. */
  readonly quality: number;
}

export interface Store {
  readonly index: number;
  readonly storeId: string;
  readonly name: string;
  readonly city: string;
  readonly region: string;
  readonly isOnline: boolean;
  readonly openedAt: string;
  /** Relative footfall; also how likely a customer in the city calls it home. */
  readonly traffic: number;
  /** Legacy tills: send local wall-clock time, prices as decimal strings, currency in lower case. */
  readonly legacyTill: boolean;
  /** Which SKUs the store stocks (1) or not (0), by SKU index. */
  readonly assortment: Uint8Array;
}

export interface Promotion {
  readonly promotionId: string;
  readonly fromDay: number;
  readonly toDay: number;
  /** Discount as a fraction of the line amount. */
  readonly pct: number;
}

export interface Catalog {
  readonly skus: readonly Sku[];
  readonly stores: readonly Store[];
  readonly online: Store;
  readonly promotions: readonly Promotion[];
  /** SKU indexes per category. */
  readonly byCategory: readonly (readonly number[])[];
  /** Popularity-weighted SKU choice per category. */
  readonly samplers: readonly Sampler<number>[];
  /** Promotion index per (day, SKU), -1 when none: promoOf[day * skus.length + sku]. */
  readonly promoOf: Int16Array;
  categoryIndex(name: string): number;
}

const STORE_DEFS = [
  ['SH01', "Shanghai Jing'an Flagship", 'Shanghai', 'East China', '2015-09-12', 1.6, false],
  ['SH02', 'Shanghai Pudong Lujiazui', 'Shanghai', 'East China', '2017-04-28', 1.0, false],
  ['SH03', 'Shanghai Xuhui', 'Shanghai', 'East China', '2021-06-18', 0.7, false],
  ['BJ01', 'Beijing Sanlitun', 'Beijing', 'North China', '2016-05-01', 1.3, false],
  ['BJ02', 'Beijing Wangfujing', 'Beijing', 'North China', '2019-09-20', 0.9, true],
  ['GZ01', 'Guangzhou Tianhe', 'Guangzhou', 'South China', '2018-03-16', 1.0, true],
  ['SZ01', 'Shenzhen Futian', 'Shenzhen', 'South China', '2019-11-08', 1.0, false],
  ['HZ01', 'Hangzhou West Lake', 'Hangzhou', 'East China', '2020-07-01', 0.8, false],
  ['CD01', 'Chengdu Taikoo Li', 'Chengdu', 'Southwest China', '2021-04-30', 0.8, true],
  ['NJ01', 'Nanjing Xinjiekou', 'Nanjing', 'East China', '2022-08-26', 0.6, false],
] as const;

/** A "charm" price as Chinese retailers set them: 199, 259, 38.9. */
function charmPrice(p: number): number {
  if (p >= 100) return Math.round(p / 10) * 10 - 1;
  if (p >= 10) return Math.round(p) - 0.1;
  return 9.9;
}

function buildSkus(rng: Rng, days: number): Sku[] {
  const skus: Sku[] = [];
  const codes = new Set<string>();
  const names = new Set<string>();
  CATEGORIES.forEach((cat, ci) => {
    // Popularity ranks are shuffled so SKU codes and names carry no hint of demand.
    const ranks = rng.shuffle([...Array(cat.skuCount).keys()]);
    for (let i = 0; i < cat.skuCount; i++) {
      let code: string;
      do code = `SKU${rng.int(100000, 599999)}`;
      while (codes.has(code));
      codes.add(code);
      const sub = rng.pick(cat.subcategories);
      const noun = rng.pick(sub.nouns);
      const brand = rng.pick(cat.brands);
      let name = `${brand} ${rng.pick(cat.adjectives)} ${noun}`;
      for (let n = 2; names.has(name); n++) name = `${brand} ${rng.pick(cat.adjectives)} ${noun} ${n}`;
      names.add(name);
      const isActive = rng.chance(0.95);
      skus.push({
        index: skus.length,
        sku: code,
        name,
        noun,
        category: ci,
        subcategory: sub.name,
        brand,
        listPrice: charmPrice(rng.logNormal(cat.medianPrice, cat.priceSigma)),
        isActive,
        discontinuedDay: isActive ? Infinity : Math.floor(days * rng.uniform(0.3, 0.8)),
        popularity: rng.logNormal(1, 0.6) / Math.pow(ranks[i]! + 1, 0.8),
        quality: rng.chance(0.06) ? -1.8 : rng.normal(0, 0.5),
      });
    }
  });
  return skus;
}

function buildStores(rng: Rng, skus: readonly Sku[], byCategory: readonly (readonly number[])[]): Store[] {
  const stores: Store[] = STORE_DEFS.map(([storeId, name, city, region, openedAt, traffic, legacyTill], index) => {
    const assortment = new Uint8Array(skus.length);
    const keep = storeId === 'SH01' || storeId === 'BJ01' ? 1 : rng.uniform(0.6, 0.85);
    for (const idx of byCategory.flat()) assortment[idx] = rng.chance(keep) ? 1 : 0;
    // Every store carries each category's best sellers.
    for (const idxs of byCategory) {
      for (const idx of [...idxs].sort((a, b) => skus[b]!.popularity - skus[a]!.popularity).slice(0, 8)) assortment[idx] = 1;
    }
    return { index, storeId, name, city, region, isOnline: false, openedAt, traffic, legacyTill, assortment };
  });
  stores.push({
    index: stores.length,
    storeId: 'ONLINE',
    name: 'Online shop',
    city: 'Shanghai',
    region: 'East China',
    isOnline: true,
    openedAt: '2016-11-11',
    traffic: 0,
    legacyTill: false,
    assortment: new Uint8Array(skus.length).fill(1),
  });
  return stores;
}

/** Holiday families whose days get a site-wide sale. */
const SALE_EVENTS: Readonly<Record<string, readonly [string, number]>> = {
  chinese_new_year: ['chinese_new_year', 0.15],
  '618_presale': ['618', 0.15],
  '618': ['618', 0.25],
  singles_day_presale: ['singles_day', 0.15],
  singles_day: ['singles_day', 0.3],
  singles_day_after: ['singles_day', 0.15],
  black_friday: ['black_friday', 0.25],
  christmas: ['christmas', 0.15],
};

function buildPromotions(rng: Rng, days: readonly Day[], skus: readonly Sku[], byCategory: readonly (readonly number[])[]) {
  const promotions: Promotion[] = [];
  const promoOf = new Int16Array(days.length * skus.length).fill(-1);
  const perYear = new Map<number, number>();
  const add = (fromDay: number, toDay: number, pct: number, skuIdx: Iterable<number>) => {
    const year = days[fromDay]!.year;
    const n = (perYear.get(year) ?? 0) + 1;
    perYear.set(year, n);
    const index = promotions.length;
    promotions.push({ promotionId: `PRM${year}-${String(n).padStart(3, '0')}`, fromDay, toDay, pct });
    for (const s of skuIdx) {
      for (let d = fromDay; d <= toDay; d++) {
        const cur = promoOf[d * skus.length + s]!;
        if (cur < 0 || promotions[cur]!.pct < pct) promoOf[d * skus.length + s] = index;
      }
    }
  };
  // Category promotions roughly every two weeks: a week or so of 10-25% off part of one category.
  for (let start = rng.int(0, 6); start < days.length; start += rng.int(10, 18)) {
    const cat = byCategory[rng.int(0, byCategory.length - 1)]!;
    const share = rng.uniform(0.3, 0.5);
    const chosen = cat.filter(() => rng.chance(share));
    add(start, Math.min(days.length - 1, start + rng.int(5, 9)), Math.round(rng.uniform(0.1, 0.25) * 20) / 20, chosen);
  }
  // Site-wide sales over each holiday run.
  for (let d = 0; d < days.length; ) {
    const sale = days[d]!.holiday ? SALE_EVENTS[days[d]!.holiday!] : undefined;
    if (!sale) {
      d++;
      continue;
    }
    let end = d;
    while (end + 1 < days.length && days[end + 1]!.holiday === days[d]!.holiday) end++;
    const chosen = skus.filter(() => rng.chance(0.4)).map((s) => s.index);
    add(d, end, sale[1], chosen);
    d = end + 1;
  }
  // Clearance of discontinued lines in their last month.
  for (const s of skus) {
    if (!Number.isFinite(s.discontinuedDay)) continue;
    add(Math.max(0, s.discontinuedDay - 30), s.discontinuedDay - 1, 0.4, [s.index]);
  }
  return { promotions, promoOf };
}

export function buildCatalog(seed: number, days: readonly Day[]): Catalog {
  const rng = new Rng(seed, 'catalog');
  const skus = buildSkus(rng, days.length);
  const byCategory = CATEGORIES.map((_, ci) => skus.filter((s) => s.category === ci).map((s) => s.index));
  const stores = buildStores(rng, skus, byCategory);
  const samplers = byCategory.map((idxs) => new Sampler(idxs, idxs.map((i) => skus[i]!.popularity)));
  const { promotions, promoOf } = buildPromotions(rng, days, skus, byCategory);
  return {
    skus,
    stores,
    online: stores[stores.length - 1]!,
    promotions,
    byCategory,
    samplers,
    promoOf,
    categoryIndex: (name) => CATEGORIES.findIndex((c) => c.name === name),
  };
}
