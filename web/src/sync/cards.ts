// Business cards (protocol section 5.10, server/src/http/cards.rs): a photo taken offline waits
// in IndexedDB; it is uploaded (`PUT /v1/cards/{card}`, multipart `front`) as soon as the
// device is online; the reading comes back as a `card` frame (or `GET /v1/cards/{card}`); the
// rep reviews the fields and saves them as a new contact or into one they have
// (`mergeCard`, a port of sync-core's card::merge_into), then reports the card done.

import { checkPhone } from '../rules/index.ts';
import { emptyContact, type CardImageJson, type ContactJson } from './contact.ts';
import { idToText, newContactId, newItemId } from './ids.ts';
import type { ReplicaStore } from './store.ts';

export interface CardField {
  kind: string;
  label?: string;
  value: string;
  raw: string;
  confidence: number;
  source: string;
  bbox?: { x: number; y: number; width: number; height: number } | null;
  /**
   * Why the value is not in its stored form (a phone that does not validate, kept as printed):
   * the field must be fixed (`fixPhone`) or dropped before the draft can be saved.
   */
  problem?: string | null;
}

export interface CardDraft {
  card: string;
  status: 'queued' | 'reading' | 'ready' | 'failed' | 'done';
  fields: CardField[];
  region: string | null;
  images: CardImageJson[];
  duplicates: string[];
  error: { code: string; message: string } | null;
}

export interface StoredCard {
  card: string;
  /** The photo as taken: kept until the card is done, shown under the fields in review. */
  front: Blob;
  uploaded: boolean;
  draft: CardDraft | null;
  taken_ms: number;
}

export interface CardApi {
  upload(path: string, form: FormData): Promise<unknown>;
  call<T>(method: string, path: string, body?: unknown): Promise<T>;
}

/** A `card` frame's draft (ids as bytes) in the REST shape (ids as text). */
export function draftFromFrame(draft: Record<string, unknown>): CardDraft {
  const text = (v: unknown) => (v instanceof Uint8Array ? idToText(v) : String(v));
  return {
    ...(draft as unknown as CardDraft),
    card: text(draft.card),
    duplicates: Array.isArray(draft.duplicates) ? draft.duplicates.map(text) : [],
  };
}

export class CardQueue {
  cards: StoredCard[] = [];
  private listeners = new Set<() => void>();
  private uploading = false;

  constructor(private readonly store: ReplicaStore, private readonly api: CardApi) {}

  async load(): Promise<void> {
    this.cards = await this.store.cards<StoredCard>();
    this.changed();
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }

  private async save(card: StoredCard): Promise<void> {
    await this.store.putCard(card);
    this.cards = [...this.cards.filter((c) => c.card !== card.card), card];
    this.changed();
  }

  /** A photo just taken: stored first, uploaded when possible. */
  async scan(front: Blob): Promise<string> {
    const card: StoredCard = { card: newContactId(), front, uploaded: false, draft: null, taken_ms: Date.now() };
    await this.save(card);
    void this.uploadWaiting();
    return card.card;
  }

  /** Uploads every photo still waiting; a failure (offline) leaves it for the next try. */
  async uploadWaiting(): Promise<void> {
    if (this.uploading) return;
    this.uploading = true;
    try {
      for (const card of this.cards.filter((c) => !c.uploaded)) {
        const form = new FormData();
        form.append('front', card.front, 'front.jpg');
        try {
          const draft = (await this.api.upload(`/v1/cards/${card.card}`, form)) as CardDraft;
          await this.save({ ...card, uploaded: true, draft });
        } catch {
          return;
        }
      }
    } finally {
      this.uploading = false;
    }
  }

  /** A reading arrived (a `card` frame, newest wins). */
  async applyDraft(draft: CardDraft): Promise<void> {
    const card = this.cards.find((c) => c.card === draft.card);
    if (card) await this.save({ ...card, uploaded: true, draft });
  }

  /** Asks the server how a card's reading stands (when no frame came). */
  async refresh(card: string): Promise<void> {
    try {
      await this.applyDraft(await this.api.call<CardDraft>('GET', `/v1/cards/${card}`));
    } catch {
      // offline: the frame or the next refresh will do
    }
  }

  /** The rep saved or dismissed it: tell the server, forget the photo. */
  async done(card: string): Promise<void> {
    try {
      await this.api.call('POST', `/v1/cards/${card}/done`);
    } catch {
      // Not reported: the server sends the draft again after a welcome, and it is ignored.
    }
    await this.store.deleteCard(card);
    this.cards = this.cards.filter((c) => c.card !== card);
    this.changed();
  }
}

/** The kept fields still to fix (sync-core card::check_kept): saving waits until there are none. */
export function toFix(fields: CardField[]): CardField[] {
  return fields.filter((f) => f.problem);
}

/**
 * A phone field mended from what the rep typed (sync-core card::fix_phone): the E.164 number,
 * the typed text as printed, no problem, full confidence; or why the typed text is refused.
 */
export function fixPhone(field: CardField, typed: string, region: string | null): { ok: true; field: CardField } | { ok: false; message: string } {
  const checked = checkPhone(typed, region, 'phones[0].e164');
  if (!checked.ok) return { ok: false, message: checked.problem.message };
  return { ok: true, field: { ...field, value: checked.value, raw: typed.trim(), problem: null, confidence: 1 } };
}

function first(fields: CardField[], kind: string): string {
  return fields.find((f) => f.kind === kind)?.value ?? '';
}

/**
 * Adds what the card says to `contact` (a new one: `emptyContact()`), as sync-core's
 * card::merge_into does: name parts fill only what is empty; phones, emails, web sites and
 * handles the contact lacks are appended; the company fills a matching organisation or is
 * added; the card's images are attached.
 */
export function mergeCard(contact: ContactJson, fields: CardField[], images: CardImageJson[]): ContactJson {
  // A phone kept as printed is never saved unchecked (sync-core card::check_kept).
  const unfixed = toFix(fields);
  if (unfixed.length > 0) throw new Error(`fix or leave out ${unfixed.map((f) => `"${f.raw}" (${f.problem ?? ''})`).join(', ')} before saving`);
  const c = structuredClone(contact);
  const fill = (key: 'given' | 'family' | 'phonetic_given' | 'phonetic_family', kind: string) => {
    if (c.name[key] === '') c.name[key] = first(fields, kind);
  };
  fill('given', 'given_name');
  fill('family', 'family_name');
  fill('phonetic_given', 'phonetic_given_name');
  fill('phonetic_family', 'phonetic_family_name');
  const company = first(fields, 'company');
  const department = first(fields, 'department');
  // A card with two titles gives one each; the organisation holds both.
  const title = fields.filter((f) => f.kind === 'title' && f.value.trim() !== '').map((f) => f.value.trim()).join(' / ');
  if (company || department || title) {
    const same = c.organizations.find((o) => o.company.toLowerCase() === company.toLowerCase() || (!o.company && !company));
    if (same) {
      if (!same.company) same.company = company;
      if (!same.department) same.department = department;
      if (!same.title) same.title = title;
    } else {
      c.organizations.push({ id: newItemId(), company, department, title });
    }
  }
  const street = first(fields, 'street') || first(fields, 'address');
  const city = first(fields, 'city');
  const country = first(fields, 'country');
  if ((street || city) && !c.addresses.some((a) => a.street === street && a.city === city)) {
    c.addresses.push({ id: newItemId(), label: 'work', street, city, region: first(fields, 'region'), postal_code: first(fields, 'postal_code'), country });
  }
  for (const field of fields) {
    if (field.kind === 'phone' && !c.phones.some((p) => p.e164 === field.value)) {
      c.phones.push({ id: newItemId(), label: field.label ?? '', e164: field.value, raw: field.raw });
    } else if (field.kind === 'email' && !c.emails.some((e) => e.address.toLowerCase() === field.value.toLowerCase())) {
      c.emails.push({ id: newItemId(), label: 'work', address: field.value });
    } else if (field.kind === 'url' && !c.urls.some((u) => u.url === field.value)) {
      c.urls.push({ id: newItemId(), label: 'work', url: field.value });
    } else if (field.kind === 'social') {
      const network = (field.label ?? 'other').toLowerCase();
      if (!c.social.some((s) => s.network === network && s.handle === field.value)) c.social.push({ id: newItemId(), network, handle: field.value });
    } else if (field.kind === 'note' && !c.notes.includes(field.value)) {
      c.notes = c.notes ? `${c.notes}\n${field.value}` : field.value;
    }
  }
  for (const image of images) {
    if (!c.card_images.some((i) => i.blob.sha256 === image.blob.sha256)) c.card_images.push({ ...image, id: image.id || newItemId() });
  }
  return c;
}

export function contactFromCard(fields: CardField[], images: CardImageJson[]): ContactJson {
  return mergeCard(emptyContact(), fields, images);
}
