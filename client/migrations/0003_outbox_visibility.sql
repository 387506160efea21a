-- Who may see a contact, kept with the outbox entry of the change that creates it, so the push
-- carries it and the server commits the contact and its visibility together (protocol 9.1).
-- NULL: everyone in the company. MessagePack, as sync-core writes a `Visibility`.
-- Never edit this file once landed.
ALTER TABLE outbox ADD COLUMN visibility BLOB;
