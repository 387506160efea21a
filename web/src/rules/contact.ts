// The contact as the Automerge document holds it and as JavaScript reads it: the same keys and
// shapes as sync-core's `Contact` (sync-core/src/contact.rs, contact/items.rs,
// contact/custom.rs). Enumerations are their lowercase stored strings; a value a newer layout
// added reads as its string, which the rules neither judge nor drop.

/** A calendar date whose year may be unknown (a birthday without the year). */
export interface PartialDate {
  /** The year (1 to 9999), or null when unknown. */
  year: number | null;
  /** 1 to 12. */
  month: number;
  /** 1 to 31, valid for the month. */
  day: number;
}

/** The parts of a name. */
export interface NameJson {
  prefix: string;
  given: string;
  middle: string;
  family: string;
  suffix: string;
  phonetic_given: string;
  phonetic_family: string;
  nickname: string;
}

/** A phone number: E.164 for matching and dialling, and the text as typed or printed. */
export interface PhoneJson {
  id: string;
  label: string;
  /** `+81312345678`: what `checkPhone` returns. */
  e164: string;
  /** As typed or printed, extension included. */
  raw: string;
}

export interface EmailJson {
  id: string;
  label: string;
  /** What `checkEmail` returns: trimmed, no `mailto:`, domain lowercased. */
  address: string;
}

export interface AddressJson {
  id: string;
  label: string;
  street: string;
  city: string;
  region: string;
  postal_code: string;
  /** ISO 3166-1 alpha-2, uppercase (what `checkCountry` returns); empty when unknown. */
  country: string;
}

export interface OrganizationJson {
  id: string;
  company: string;
  department: string;
  title: string;
}

export interface DateEntryJson {
  id: string;
  label: string;
  date: PartialDate;
}

export interface UrlJson {
  id: string;
  label: string;
  /** An absolute http or https address (what `checkUrl` returns). */
  url: string;
}

/** `facebook`, `whatsapp`, `wechat`, `x`, `linkedin`, `telegram`, `line`, `instagram`,
 * `kakaotalk`, `other`, or a network a newer layout added. */
export type SocialNetwork = string;

export interface SocialHandleJson {
  id: string;
  network: SocialNetwork;
  handle: string;
}

export interface ActivityJson {
  id: string;
  /** `call`, `visit`, `meeting`, `note`, or a kind a newer layout added. */
  kind: string;
  /** Milliseconds since the Unix epoch (UTC). */
  at_ms: number;
  by: string;
  text: string;
}

export interface BlobRefJson {
  sha256: string;
  mime: string;
  bytes: number;
}

export interface CardImageJson {
  id: string;
  /** `front`, `back`, or a side a newer layout added. */
  side: string;
  blob: BlobRefJson;
}

/**
 * A custom field's value: a map with exactly one key naming its type. A type a newer layout
 * added is any other one-key map, kept as written and not judged.
 */
export type CustomValueJson =
  | { text: string }
  | { number: number }
  | { bool: boolean }
  | { date: PartialDate }
  | { readonly [kind: string]: unknown };

export interface LifecycleJson {
  archived: boolean;
  trashed_at_ms: number | null;
  merged_into: string | null;
}

/** One contact: the whole content of one Automerge document. */
export interface ContactJson {
  name: NameJson;
  phones: PhoneJson[];
  emails: EmailJson[];
  addresses: AddressJson[];
  organizations: OrganizationJson[];
  dates: DateEntryJson[];
  urls: UrlJson[];
  social: SocialHandleJson[];
  /** `lead`, `prospect`, `customer`, `partner`, `other`, or a type a newer layout added. */
  type: string;
  /** `primary`, `secondary`, `tertiary`, or null when nobody said. */
  level: string | null;
  /** BCP 47 tag (`en`, `ja`, `zh-Hant`), or null. */
  language: string | null;
  /** A map used as a set: the tags present are the keys whose value is true. */
  tags: Record<string, boolean>;
  /** Collaborative text in the document; a plain string here. */
  notes: string;
  custom: Record<string, CustomValueJson>;
  activity: ActivityJson[];
  photo: BlobRefJson | null;
  card_images: CardImageJson[];
  lifecycle: LifecycleJson;
}

/** Any part of a contact, possibly missing keys: what a document of an older layout holds. */
export type StoredContact = DeepPartial<ContactJson>;

type DeepPartial<T> = T extends readonly (infer Item)[]
  ? DeepPartial<Item>[]
  : T extends object
    ? { [Key in keyof T]?: DeepPartial<T[Key]> }
    : T;

/**
 * The contact with every missing key read as its default, as sync-core reads a document
 * written before a key existed (`#[autosurgeon(missing = "Default::default")]` at every level).
 * Keys it does not know are kept.
 */
export function contactFromStored(stored: StoredContact): ContactJson {
  const text = (value: string | undefined): string => value ?? "";
  const id = (value: string | undefined): string => value ?? "";
  const date = (value: DeepPartial<PartialDate> | undefined): PartialDate => ({
    year: value?.year ?? null,
    month: value?.month ?? 0,
    day: value?.day ?? 0,
  });
  const blob = (value: DeepPartial<BlobRefJson> | undefined): BlobRefJson => ({
    sha256: text(value?.sha256),
    mime: text(value?.mime),
    bytes: value?.bytes ?? 0,
  });
  const custom: Record<string, CustomValueJson> = {};
  for (const [key, value] of Object.entries(stored.custom ?? {})) {
    if (value !== undefined) custom[key] = value as CustomValueJson;
  }
  const tags: Record<string, boolean> = {};
  for (const [key, value] of Object.entries(stored.tags ?? {})) {
    if (value !== undefined) tags[key] = value;
  }
  return {
    ...(stored as object),
    name: {
      ...stored.name,
      prefix: text(stored.name?.prefix),
      given: text(stored.name?.given),
      middle: text(stored.name?.middle),
      family: text(stored.name?.family),
      suffix: text(stored.name?.suffix),
      phonetic_given: text(stored.name?.phonetic_given),
      phonetic_family: text(stored.name?.phonetic_family),
      nickname: text(stored.name?.nickname),
    },
    phones: (stored.phones ?? []).map((item) => ({
      ...item,
      id: id(item.id),
      label: text(item.label),
      e164: text(item.e164),
      raw: text(item.raw),
    })),
    emails: (stored.emails ?? []).map((item) => ({
      ...item,
      id: id(item.id),
      label: text(item.label),
      address: text(item.address),
    })),
    addresses: (stored.addresses ?? []).map((item) => ({
      ...item,
      id: id(item.id),
      label: text(item.label),
      street: text(item.street),
      city: text(item.city),
      region: text(item.region),
      postal_code: text(item.postal_code),
      country: text(item.country),
    })),
    organizations: (stored.organizations ?? []).map((item) => ({
      ...item,
      id: id(item.id),
      company: text(item.company),
      department: text(item.department),
      title: text(item.title),
    })),
    dates: (stored.dates ?? []).map((item) => ({
      ...item,
      id: id(item.id),
      label: text(item.label),
      date: date(item.date),
    })),
    urls: (stored.urls ?? []).map((item) => ({
      ...item,
      id: id(item.id),
      label: text(item.label),
      url: text(item.url),
    })),
    social: (stored.social ?? []).map((item) => ({
      ...item,
      id: id(item.id),
      network: item.network ?? "other",
      handle: text(item.handle),
    })),
    // Each enumeration's default, as Rust reads a missing key.
    type: stored.type ?? "lead",
    level: stored.level ?? null,
    language: stored.language ?? null,
    tags,
    notes: text(stored.notes),
    custom,
    activity: (stored.activity ?? []).map((item) => ({
      ...item,
      id: id(item.id),
      kind: item.kind ?? "note",
      at_ms: item.at_ms ?? 0,
      by: text(item.by),
      text: text(item.text),
    })),
    photo: stored.photo ? blob(stored.photo) : null,
    card_images: (stored.card_images ?? []).map((item) => ({
      ...item,
      id: id(item.id),
      side: item.side ?? "front",
      blob: blob(item.blob),
    })),
    lifecycle: {
      ...stored.lifecycle,
      archived: stored.lifecycle?.archived ?? false,
      trashed_at_ms: stored.lifecycle?.trashed_at_ms ?? null,
      merged_into: stored.lifecycle?.merged_into ?? null,
    },
  };
}
