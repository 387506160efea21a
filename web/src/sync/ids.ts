// Ids travel as 16-byte `bin` on the wire (protocol section 3) and as hyphenated UUID text in
// REST and in IndexedDB keys. These helpers convert between the two.

const HEX = '0123456789abcdef';

/** Hyphenated lowercase UUID text of 16 bytes. */
export function idToText(bytes: Uint8Array): string {
  if (bytes.length !== 16) throw new Error(`an id is 16 bytes, got ${bytes.length}`);
  let out = '';
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) out += '-';
    const byte = bytes[i]!;
    out += HEX[byte >> 4]! + HEX[byte & 15]!;
  }
  return out;
}

/** The 16 bytes of a UUID written as text (with or without hyphens). */
export function textToId(text: string): Uint8Array {
  const hex = text.replace(/-/g, '').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(hex)) throw new Error(`not a UUID: ${text}`);
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 16; i++) bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

/** A new random (version 4) UUID as text: a contact id chosen by the device that creates it. */
export function newContactId(): string {
  return crypto.randomUUID();
}

const ITEM_ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/** A list item id: 13 base-32 characters from 64 random bits, as sync-core's ItemId writes. */
export function newItemId(): string {
  const bits = crypto.getRandomValues(new Uint8Array(13));
  let out = '';
  for (const b of bits) out += ITEM_ALPHABET[b & 31]!;
  return out;
}

/** Lowercase hex of bytes (change hashes, actor ids). */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += HEX[b >> 4]! + HEX[b & 15]!;
  return out;
}
