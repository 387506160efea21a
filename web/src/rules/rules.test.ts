// The field-rule case table, fixtures/field-rules/cases.json, against the TypeScript rules.
// sync-core/tests/field_rules.rs runs the same file against the Rust ones, so the two cannot
// drift apart: a rule changed on one side only fails one of the two tests.

import { readFileSync } from "node:fs";

import { describe, expect, it } from "vitest";

import {
  type Checked,
  type FieldProblem,
  type StoredContact,
  checkContact,
  checkCountry,
  checkDate,
  checkEmail,
  checkPhone,
  checkUrl,
  contactFromStored,
} from "./index";
import * as rules from "./index";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

interface Case {
  name: string;
  kind: "phone" | "email" | "date" | "country" | "url" | "contact";
  region: string | null;
  input?: Json;
  contact?: Json;
  expect: { ok: Json } | { problems: { field: string; code: string }[] };
}

interface Table {
  limits: Record<string, number>;
  cases: Case[];
}

const table = JSON.parse(
  readFileSync(new URL("../../../fixtures/field-rules/cases.json", import.meta.url), "utf8"),
) as Table;

/** The field path a value case's reader is given: the first item of its list. */
const VALUE_FIELD = {
  phone: "phones[0].e164",
  email: "emails[0].address",
  date: "dates[0].date",
  country: "addresses[0].country",
  url: "urls[0].url",
} as const;

/** The table's shorthands written out: `$repeat`, `$concat`, `$float` and `$list`. */
function expand(value: Json): unknown {
  if (Array.isArray(value)) return value.map(expand);
  if (value === null || typeof value !== "object") return value;
  if ("$repeat" in value) return String(expand(value.$repeat ?? "")).repeat(Number(value.count));
  if ("$concat" in value) return (value.$concat as Json[]).map((part) => String(expand(part))).join("");
  if ("$float" in value) {
    const floats: Record<string, number> = { NaN: Number.NaN, inf: Infinity, "-inf": -Infinity };
    return floats[String(value.$float)];
  }
  if ("$list" in value) {
    const spec = value.$list as { count: number; item: Json };
    return Array.from({ length: spec.count }, (_, index) => expand(withIndex(spec.item, index)));
  }
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, expand(item)]));
}

function withIndex(value: Json, index: number): Json {
  if (typeof value === "string") return value.replaceAll("{i}", String(index));
  if (Array.isArray(value)) return value.map((item) => withIndex(item, index));
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, withIndex(item, index)]));
}

function outcome(checked: Checked<unknown>): unknown {
  return checked.ok ? { ok: checked.value } : { problems: [fieldAndCode(checked.problem)] };
}

function fieldAndCode(problem: FieldProblem): { field: string; code: string } {
  expect(problem.message.trim().length).toBeGreaterThan(0);
  return { field: problem.field, code: problem.code };
}

describe("the limits", () => {
  it("are the ones the table states", () => {
    const exported: Record<string, unknown> = { ...rules };
    for (const [name, value] of Object.entries(table.limits)) {
      expect(exported[name], name).toBe(value);
    }
  });
});

describe("every typed value reads as the table says", () => {
  const cases = table.cases.filter((c) => c.kind !== "contact");
  it("has enough cases to mean something", () => {
    expect(cases.length).toBeGreaterThanOrEqual(100);
  });
  it.each(cases.map((c) => [c.name, c] as const))("%s", (_, c) => {
    const input = String(expand(c.input ?? ""));
    const field = VALUE_FIELD[c.kind as keyof typeof VALUE_FIELD];
    const readers = {
      phone: () => checkPhone(input, c.region, field),
      email: () => checkEmail(input, field),
      date: () => checkDate(input, field),
      country: () => checkCountry(input, field),
      url: () => checkUrl(input, field),
    };
    const reader = readers[c.kind as keyof typeof readers];
    const expected = "ok" in c.expect ? { ok: expand(c.expect.ok) } : c.expect;
    expect(outcome(reader())).toEqual(expected);
  });
});

describe("every contact validates as the table says", () => {
  const cases = table.cases.filter((c) => c.kind === "contact");
  it.each(cases.map((c) => [c.name, c] as const))("%s", (_, c) => {
    const contact = contactFromStored(expand(c.contact ?? {}) as StoredContact);
    const problems = checkContact(contact, c.region ?? "").map(fieldAndCode);
    expect({ problems }).toEqual(c.expect);
  });
});

describe("the table", () => {
  it("names each case once", () => {
    const names = table.cases.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
  });
});
