// A granted snapshot read without keeping its document (what the worker does during a first
// full sync) gives the same record as loading it on the main thread.
import * as A from '@automerge/automerge/slim';
import { expect, test } from 'vitest';
import { emptyContact } from '../src/sync/contact.ts';
import { createDocument, readContact } from '../src/sync/document.ts';
import { inlineProjector, projectSnapshot } from '../src/sync/projector.ts';
import { indexTerms, sortKey } from '../src/sync/search.ts';

test('a granted snapshot reads as the record a loaded document gives', async () => {
  const contact = emptyContact();
  contact.name.given = 'Liv';
  contact.name.family = 'Ek';
  contact.tags = { buyer: true };
  const { doc } = createDocument(contact, { member: 'm', device: 'd' });
  const [projected] = await inlineProjector.project([A.save(doc)], 'SE');
  const read = readContact(doc);
  expect(projected).toEqual({ contact: read, empty: false, terms: indexTerms(read, 'SE'), sort: sortKey(read) });
});

test('a snapshot that does not load is left to the main thread', () => {
  expect(projectSnapshot(new Uint8Array([1, 2, 3]), 'SE')).toBeNull();
});
