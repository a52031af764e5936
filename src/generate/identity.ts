/**
 * Customer identifiers and the many ways sources write them. A person owns canonical identifiers (E.164 phone,
 * lower-case e-mail) recorded in the ground truth; events carry them as a till or a web form would have them
 * typed, so the pipeline's normalisation has real work to do.
 */
import type { Rng } from './rng.ts';

const MOBILE_PREFIXES = ['130', '131', '132', '133', '135', '136', '137', '138', '139', '150', '151', '152', '155', '156', '157', '158', '159', '166', '176', '177', '180', '181', '182', '183', '185', '186', '187', '188', '189', '198', '199'];

/**
 * The phone number cashiers type when a customer will not give one. Sales of many different people carry it:
 * an identity graph that trusts it merges strangers.
 */
export const TILL_DEFAULT_PHONE = '13800000000';

/** An 11-digit mainland mobile number (national form). */
export function mobileNumber(rng: Rng): string {
  return `${rng.pick(MOBILE_PREFIXES)}${String(rng.int(0, 99_999_999)).padStart(8, '0')}`;
}

/** E.164 form of a national mobile number: what the ground truth records. */
export function e164(national: string): string {
  return `+86${national}`;
}

/** The number as a till, a form or a call-centre agent typed it: all the same number. */
export function typedPhone(rng: Rng, national: string): string {
  const [a, b, c] = [national.slice(0, 3), national.slice(3, 7), national.slice(7)];
  switch (rng.weighted([45, 20, 12, 10, 8, 5])) {
    case 0:
      return national;
    case 1:
      return `${a} ${b} ${c}`;
    case 2:
      return `+86 ${a}-${b}-${c}`;
    case 3:
      return `+86${national}`;
    case 4:
      return `${a}-${b}-${c}`;
    default:
      return `0086 ${national}`;
  }
}

const SURNAMES = ['wang', 'li', 'zhang', 'liu', 'chen', 'yang', 'huang', 'zhao', 'wu', 'zhou', 'xu', 'sun', 'ma', 'zhu', 'hu', 'guo', 'he', 'lin', 'gao', 'luo', 'zheng', 'liang', 'xie', 'song', 'tang', 'han', 'feng', 'deng', 'cao', 'peng'];
const GIVEN = ['wei', 'fang', 'na', 'min', 'jing', 'lei', 'yang', 'jun', 'yan', 'jie', 'tao', 'ming', 'chao', 'xiu', 'hui', 'ying', 'hong', 'lan', 'qiang', 'ping', 'yu', 'xin', 'hao', 'yi', 'ting', 'lu', 'kai', 'mei', 'bo', 'rui', 'xue', 'dan'];
const DOMAINS = ['qq.com', '163.com', '126.com', 'gmail.com', 'outlook.com', 'sina.com', 'foxmail.com', 'hotmail.com', 'icloud.com'];
const DOMAIN_WEIGHTS = [35, 20, 8, 10, 8, 5, 6, 4, 4];

/** A plausible, lower-case e-mail address; `taken` keeps them unique across people. */
export function emailAddress(rng: Rng, taken: Set<string>, birthYear: number): string {
  const s = rng.pick(SURNAMES);
  const g = rng.pick(GIVEN);
  const domain = DOMAINS[rng.weighted(DOMAIN_WEIGHTS)]!;
  let local: string;
  switch (rng.int(0, 4)) {
    case 0:
      local = `${g}.${s}`;
      break;
    case 1:
      local = `${s}${g}${birthYear}`;
      break;
    case 2:
      local = `${g}_${s}${rng.int(1, 99)}`;
      break;
    case 3:
      local = `${s}.${g}${rng.int(1, 999)}`;
      break;
    default:
      local = domain === 'qq.com' ? String(rng.int(10_000_000, 2_999_999_999)) : `${s}${g}`;
  }
  let address = `${local}@${domain}`;
  while (taken.has(address)) address = `${local}${rng.int(1, 9999)}@${domain}`;
  taken.add(address);
  return address;
}

/** How a person habitually writes their e-mail: some capitalise it. */
export function displayEmail(rng: Rng, email: string): string {
  if (rng.chance(0.8)) return email;
  const [local, domain] = email.split('@') as [string, string];
  const cap = (w: string) => w.charAt(0).toUpperCase() + w.slice(1);
  return rng.chance(0.5) ? `${local.split('.').map(cap).join('.')}@${domain}` : `${local}@${domain.toUpperCase()}`;
}

/** The e-mail as typed into one form: occasionally with stray spaces or caps lock. */
export function typedEmail(rng: Rng, display: string): string {
  const r = rng.next();
  if (r < 0.04) return ` ${display}`;
  if (r < 0.08) return `${display} `;
  if (r < 0.1) return display.toUpperCase();
  return display;
}

/** A WeChat openid: 28 characters, starts with "o". */
export function openid(rng: Rng): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  let s = 'o';
  for (let i = 0; i < 27; i++) s += alphabet[rng.uint32() & 63];
  return s;
}

export function deviceId(rng: Rng, platform: 'ios' | 'android'): string {
  // iOS identifierForVendor is an upper-case UUID; Android SDKs use a lower-case one.
  const u = rng.uuid();
  return platform === 'ios' ? u.toUpperCase() : u;
}

export function guestId(rng: Rng): string {
  return `guest-${rng.hex(12)}`;
}
