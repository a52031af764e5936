/**
 * A compiled twin of a zod schema for the hot path: `fastParser(schema)(input)` returns exactly what
 * `schema.safeParse(input).data` would (same values, same keys in the same order, defaults applied, unknown keys
 * stripped), or FAST_PARSE_FAILED where zod would report an issue. The cleanser then asks zod itself, which names
 * the field and the value; so zod stays the one definition and the one source of error messages, and the twin is
 * only a faster way to say "valid, and here is the output" for the common record.
 *
 * The twin is built from the schema's own definition (zod 4 `_zod.def`), never retyped: types, optional / default
 * rules and the common checks (lengths counted in code points as zod counts them, bounds, integer formats, regexes)
 * become generated JavaScript; any other check (refine, superRefine) is run through zod's own check function. A
 * schema that uses a construct not listed here (transform, pipe, catchall, coercion, ...) gets no twin
 * (`undefined`), and its callers use zod for every record.
 *
 * Cost: zod's parse was about a third of the cleanser's time; the twin takes a fraction of that
 * (docs/performance.md). test/contract/fast-parse.test.ts holds it to zod's answers on hostile input.
 */
import type { z } from 'zod';
import * as zc from 'zod/v4/core';

/** What a fast parser returns where zod would report an issue (ask zod for it). */
export const FAST_PARSE_FAILED: unique symbol = Symbol('fast-parse-failed');
const FAILED = FAST_PARSE_FAILED;

export type FastParser = (input: unknown) => unknown;

/** Thrown while compiling: the schema uses something the compiler does not reproduce exactly. */
class Unsupported extends Error {}

// zod's default `when` of length checks (run on anything with a length): any other `when` goes through zod.
const DEFAULT_LENGTH_WHEN: unknown = (new zc.$ZodCheckMinLength({ check: 'min_length', minimum: 1 })._zod.def as { when?: unknown }).when;

/** zod's `_zod.def`: a different record per schema kind, read here by its `type` and `check` fields. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- one reader for every kind's definition
type Def = Record<string, any>;

interface Internals {
  readonly def: Def;
  readonly traits: Set<string>;
  readonly optin?: 'optional' | 'defaulted';
  readonly optout?: 'optional';
  readonly values?: Set<unknown>;
  check?: (payload: { value: unknown; issues: unknown[] }) => unknown;
}
const internals = (s: unknown): Internals => (s as { _zod: Internals })._zod;

/** Unicode code points of a string, as zod counts string lengths. */
function codePoints(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/**
 * Generated code. Each schema becomes straight-line JavaScript with constant property names (`new Function`, as
 * zod's own JIT does), so V8 specialises every field access and check to its one schema; shared closures (measured
 * first) stay generic across schemas and cost half of what zod did. Statements read an input variable and either
 * assign the output variable or `return FAILED`.
 */
class Generator {
  readonly env: unknown[] = [];
  private n = 0;

  /** A name for a value the generated code needs (a RegExp, a Set, a zod check). */
  ref(value: unknown): string {
    this.env.push(value);
    return `env[${this.env.length - 1}]`;
  }

  name(prefix: string): string {
    return `${prefix}${this.n++}`;
  }

  /** Statements that parse `input` per `schema` into the (declared) variable `out`. */
  node(schema: unknown, input: string, out: string): string {
    const z_ = internals(schema);
    const d = z_.def;
    if (d.coerce) throw new Unsupported('coercion');
    let code: string;
    switch (d.type) {
      case 'string':
        code = `if (typeof ${input} !== 'string') return FAILED; ${out} = ${input};`;
        break;
      case 'number':
        code = `if (typeof ${input} !== 'number' || !Number.isFinite(${input})) return FAILED; ${out} = ${input};`;
        break;
      case 'boolean':
        code = `if (typeof ${input} !== 'boolean') return FAILED; ${out} = ${input};`;
        break;
      case 'unknown':
      case 'any':
        code = `${out} = ${input};`;
        break;
      case 'enum': {
        if (!z_.values) throw new Unsupported('enum without values');
        code = `if (!${this.ref(z_.values)}.has(${input})) return FAILED; ${out} = ${input};`;
        break;
      }
      case 'optional': {
        if (internals(d.innerType).optin === 'defaulted') throw new Unsupported('optional of a default');
        code = `if (${input} === undefined) ${out} = undefined; else { ${this.node(d.innerType, input, out)} }`;
        break;
      }
      case 'nullable':
        code = `if (${input} === null) ${out} = null; else { ${this.node(d.innerType, input, out)} }`;
        break;
      case 'default': {
        // `defaultValue` is read each time: zod's getter hands out a fresh (shallow-cloned) value per parse.
        const def = this.ref(d);
        code = `if (${input} === undefined) ${out} = ${def}.defaultValue; else { ${this.node(d.innerType, input, out)} if (${out} === undefined) ${out} = ${def}.defaultValue; }`;
        break;
      }
      case 'union': {
        // Each option is its own function: one that fails must not fail the whole parse.
        const options = (d.options as unknown[]).map((o) => this.ref(this.unit(o)));
        code = `${out} = FAILED;`;
        for (const o of options) code += ` if (${out} === FAILED) ${out} = ${o}(${input});`;
        code += ` if (${out} === FAILED) return FAILED;`;
        break;
      }
      case 'array': {
        const [a, i, e, eo] = [this.name('a'), this.name('i'), this.name('e'), this.name('eo')];
        code = `if (!Array.isArray(${input})) return FAILED;
const ${a} = new Array(${input}.length);
for (let ${i} = 0; ${i} < ${input}.length; ${i}++) { const ${e} = ${input}[${i}]; let ${eo}; ${this.node(d.element, e, eo)} ${a}[${i}] = ${eo}; }
${out} = ${a};`;
        break;
      }
      case 'record': {
        const key = internals(d.keyType);
        if (key.def.type !== 'string' || key.def.coerce || key.def.checks?.length || key.values || d.mode === 'loose') throw new Unsupported('record keys other than z.string()');
        const [r, k, v, vo] = [this.name('r'), this.name('k'), this.name('v'), this.name('vo')];
        code = `if (!isPlainObject(${input})) return FAILED;
const ${r} = {};
for (const ${k} of Reflect.ownKeys(${input})) {
  if (${k} === '__proto__' || !propertyIsEnumerable.call(${input}, ${k})) continue;
  if (typeof ${k} !== 'string') return FAILED;
  const ${v} = ${input}[${k}]; let ${vo}; ${this.node(d.valueType, v, vo)} ${r}[${k}] = ${vo};
}
${out} = ${r};`;
        break;
      }
      case 'object':
        code = this.object(d, input, out);
        break;
      default:
        throw new Unsupported(String(d.type));
    }
    const checks: unknown[] = [...(z_.traits.has('$ZodCheck') ? [schema] : []), ...((d.checks as unknown[] | undefined) ?? [])];
    for (const ch of checks) code += `\n${this.check(ch, out)}`;
    return code;
  }

  /** An object as zod's JIT parses it: shape keys in order, absent optional keys left out, unknown keys stripped. */
  private object(d: Def, input: string, out: string): string {
    if (d.catchall) throw new Unsupported('catchall');
    const shape = d.shape as Record<PropertyKey, unknown>;
    if (Object.getOwnPropertySymbols(shape).length) throw new Unsupported('symbol keys');
    const o = this.name('o');
    let code = `if (typeof ${input} !== 'object' || ${input} === null || Array.isArray(${input})) return FAILED;\nconst ${o} = {};`;
    for (const key of Object.keys(shape)) {
      if (key === '__proto__') continue;
      const el = internals(shape[key]);
      const k = JSON.stringify(key);
      const [v, fo] = [this.name('f'), this.name('fo')];
      const parse = `const ${v} = ${input}[${k}]; let ${fo}; ${this.node(shape[key], v, fo)}`;
      if (el.optin !== undefined && el.optout === 'optional') {
        if (el.optin !== 'optional') throw new Unsupported('defaulted optional field');
        // zod ignores an absent optional key, issues and all.
        code += `\nif (${k} in ${input}) { ${parse} ${o}[${k}] = ${fo}; }`;
      } else if (el.optin === undefined) {
        code += `\nif (!(${k} in ${input})) return FAILED;\n{ ${parse} ${o}[${k}] = ${fo}; }`;
      } else if (el.optin === 'defaulted') {
        code += `\n{ ${parse} ${o}[${k}] = ${fo}; }`;
      } else {
        code += `\n{ ${parse} if (${fo} !== undefined || ${k} in ${input}) ${o}[${k}] = ${fo}; }`;
      }
    }
    return `${code}\n${out} = ${o};`;
  }

  /** One zod check on `v`: exact code for the kinds listed, zod's own check function otherwise. */
  private check(ch: unknown, v: string): string {
    const z_ = internals(ch);
    const d = z_.def;
    const defaultWhen = d.when === undefined || d.when === DEFAULT_LENGTH_WHEN;
    // Lengths: strings in code points, as zod counts them (a code point is one or two UTF-16 units).
    if (defaultWhen && d.check === 'min_length') {
      const min = Number(d.minimum);
      return `if (${v}.length < ${min} || (typeof ${v} === 'string' && ${v}.length < ${min * 2} && codePoints(${v}) < ${min})) return FAILED;`;
    }
    if (defaultWhen && d.check === 'max_length') {
      const max = Number(d.maximum);
      return `if (${v}.length > ${max} && (typeof ${v} !== 'string' || codePoints(${v}) > ${max})) return FAILED;`;
    }
    if (defaultWhen && d.check === 'length_equals') {
      const len = Number(d.length);
      return `if ((typeof ${v} === 'string' ? codePoints(${v}) : ${v}.length) !== ${len}) return FAILED;`;
    }
    if (d.when === undefined && (d.check === 'greater_than' || d.check === 'less_than') && typeof d.value === 'number') {
      const op = d.check === 'greater_than' ? (d.inclusive ? '>=' : '>') : d.inclusive ? '<=' : '<';
      return `if (!(${v} ${op} ${this.ref(d.value)})) return FAILED;`;
    }
    if (d.when === undefined && d.check === 'number_format' && d.format === 'safeint') return `if (!Number.isSafeInteger(${v})) return FAILED;`;
    if (d.when === undefined && d.check === 'string_format' && d.format === 'regex' && d.pattern instanceof RegExp) {
      const re = this.ref(d.pattern);
      return `${re}.lastIndex = 0; if (!${re}.test(${v})) return FAILED;`;
    }
    if (d.when === undefined && d.check === 'custom' && typeof d.fn === 'function') {
      // .refine(fn): zod reports an issue when fn's result is falsy. A promise (async refine) is zod's to handle.
      const r = this.name('ok');
      return `{ const ${r} = ${this.ref(d.fn)}(${v}); if (!${r} || ${r} instanceof Promise) return FAILED; }`;
    }
    // Anything else (superRefine, overwrite, formats): zod's own check on a payload of our own.
    if (typeof z_.check !== 'function') throw new Unsupported(`check ${String(d.check)}`);
    const [p, r] = [this.name('p'), this.name('cr')];
    const when = typeof d.when === 'function' ? `${this.ref(d.when)}(${p})` : 'true';
    return `{ const ${p} = { value: ${v}, issues: [] };
  if (${when}) { const ${r} = ${this.ref(ch)}._zod.check(${p}); if (${p}.issues.length || ${r} instanceof Promise) return FAILED; ${v} = ${p}.value; } }`;
  }

  /** A standalone function (input) => output | FAILED for `schema`. */
  unit(schema: unknown): FastParser {
    const body = `let out;\n${this.node(schema, 'input', 'out')}\nreturn out;`;
    const make = new Function('env', 'FAILED', 'codePoints', 'isPlainObject', 'propertyIsEnumerable', `return function fastParse(input) {\n${body}\n};`);
    return make(this.env, FAILED, codePoints, zc.util.isPlainObject, Object.prototype.propertyIsEnumerable) as FastParser;
  }
}

const compiled = new WeakMap<object, FastParser | null>();

/**
 * The compiled twin of `schema`, or undefined when the schema uses something the compiler does not reproduce
 * exactly (then use zod). Compiled once per schema object.
 */
export function fastParser(schema: z.ZodType): FastParser | undefined {
  let p = compiled.get(schema);
  if (p === undefined) {
    try {
      p = new Generator().unit(schema);
    } catch (e) {
      if (!(e instanceof Unsupported)) throw e;
      p = null;
    }
    compiled.set(schema, p);
  }
  return p ?? undefined;
}
