import { useEffect, useMemo, useState } from 'preact/hooks';
import { contactFromCard, fixPhone, mergeCard, toFix, type CardField, type StoredCard } from '../sync/cards.ts';
import { cardLanguage, displayName } from '../sync/contact.ts';
import type { Device } from '../sync/session.ts';
import { go } from './hooks.ts';

function useCards(device: Device): StoredCard[] {
  const [, setVersion] = useState(0);
  useEffect(() => device.cards.subscribe(() => setVersion((v) => v + 1)), [device]);
  return device.cards.cards;
}

const STATUS: Record<string, string> = {
  queued: 'uploaded, waiting to be read', reading: 'being read', ready: 'ready to review', failed: 'could not be read', done: 'done',
};

/** Scanning: the camera through a file input; photos wait here while offline. */
export function Cards({ device }: { device: Device }) {
  const cards = useCards(device);
  const take = async (event: Event) => {
    const input = event.currentTarget as HTMLInputElement;
    const file = input.files?.[0];
    if (!file) return;
    await device.cards.scan(file);
    input.value = '';
  };
  return (
    <main class="contact" aria-label="Business cards">
      <header class="contact-head">
        <a class="back" href="#/" aria-label="Back to the list">‹</a>
        <h1>Business cards</h1>
      </header>
      <label class="button primary scan">
        Take a photo of a card
        <input type="file" accept="image/*" capture="environment" class="sr-only" onChange={(e) => void take(e)} data-testid="card-photo" />
      </label>
      <ul class="members">
        {[...cards].sort((a, b) => b.taken_ms - a.taken_ms).map((card) => (
          <li key={card.card} data-testid="card" data-status={card.draft?.status ?? (card.uploaded ? 'queued' : 'waiting')}>
            <span>{card.uploaded ? STATUS[card.draft?.status ?? 'queued'] : 'waiting for a connection to upload'}</span>
            {card.draft?.status === 'ready' && <a class="button" href={`#/cards/${card.card}`} data-testid="review-card">Review</a>}
            {card.draft && card.draft.status !== 'ready' && card.draft.status !== 'failed' &&
              <button type="button" onClick={() => void device.cards.refresh(card.card)}>Check</button>}
          </li>
        ))}
      </ul>
    </main>
  );
}

/** The draft's fields over the photo: keep or drop each, save as new or into a duplicate. */
export function CardReview({ device, card }: { device: Device; card: string }) {
  const cards = useCards(device);
  const stored = cards.find((c) => c.card === card);
  const draft = stored?.draft;
  const [dropped, setDropped] = useState<Set<number>>(new Set());
  // Phones the reader kept as printed (they did not validate), as the rep corrects them.
  const [fixed, setFixed] = useState<Record<number, CardField>>({});
  const [typed, setTyped] = useState<Record<number, { text: string; error: string | null }>>({});
  const [size, setSize] = useState<{ width: number; height: number } | null>(null);
  // The boxes are in the upright photo's pixels (the server turns and straightens the card),
  // so they go over the image the server stored; the photo as taken shows until it arrives.
  const local = useMemo(() => (stored ? URL.createObjectURL(stored.front) : null), [stored?.card]);
  const [upright, setUpright] = useState<string | null>(null);
  const front = draft?.images.find((i) => i.side === 'front') ?? draft?.images[0];
  useEffect(() => {
    if (!front) return;
    let url: string | null = null;
    device.blobUrl(front.blob.sha256).then((made) => { url = made; setUpright(made); }).catch(() => undefined);
    return () => { if (url) URL.revokeObjectURL(url); };
  }, [device, front?.blob.sha256]);
  useEffect(() => () => { if (local) URL.revokeObjectURL(local); }, [local]);
  const photo = upright ?? local;

  if (!stored || !draft) return <main class="contact" aria-label="Card"><p class="empty">No such card on this phone.</p></main>;
  const fields: CardField[] = draft.fields.map((f, i) => fixed[i] ?? f);
  const kept: CardField[] = fields.filter((_, i) => !dropped.has(i));
  const unfixed = toFix(kept);
  const correct = (i: number, text: string) => {
    const field = draft.fields[i]!;
    const result = fixPhone(field, text, draft.region);
    setTyped({ ...typed, [i]: { text, error: result.ok ? null : result.message } });
    if (result.ok) setFixed({ ...fixed, [i]: result.field });
  };

  const saveNew = async () => {
    const contact = contactFromCard(kept, draft.images);
    contact.language ??= cardLanguage(draft.region);
    const id = await device.replica.create(contact);
    await device.cards.done(card);
    go(`/c/${id}`);
  };
  const saveInto = async (id: string) => {
    const record = device.replica.contacts.get(id);
    if (!record) return;
    await device.replica.edit(id, mergeCard(record.contact, kept, draft.images));
    await device.cards.done(card);
    go(`/c/${id}`);
  };

  return (
    <main class="contact" aria-label="Review a card">
      <header class="contact-head">
        <a class="back" href="#/cards" aria-label="Back to the cards">‹</a>
        <h1>Review card</h1>
      </header>
      <div class="card-photo">
        {photo && <img key={photo} src={photo} alt="The card as photographed" onLoad={(e) => setSize({ width: e.currentTarget.naturalWidth, height: e.currentTarget.naturalHeight })} />}
        {size && upright && draft.fields.map((f, i) => f.bbox && (
          <span key={i} class={`box${dropped.has(i) ? ' dropped' : ''}`} aria-hidden="true" style={{
            left: `${(f.bbox.x / size.width) * 100}%`, top: `${(f.bbox.y / size.height) * 100}%`,
            width: `${(f.bbox.width / size.width) * 100}%`, height: `${(f.bbox.height / size.height) * 100}%`,
          }} />
        ))}
      </div>
      <fieldset>
        <legend>What the card says</legend>
        {fields.map((f, i) => (
          <div key={i} data-testid="card-field" data-kind={f.kind} data-problem={f.problem ? 'yes' : undefined}>
            <label class="check">
              <input type="checkbox" checked={!dropped.has(i)} onChange={(e) => {
                const next = new Set(dropped);
                if (e.currentTarget.checked) next.delete(i); else next.add(i);
                setDropped(next);
              }} />
              <span><span class="sub">{f.kind.replace(/_/g, ' ')}{f.label ? ` (${f.label})` : ''}{f.confidence < 0.8 ? ' (check this)' : ''}</span><br />{f.value}</span>
            </label>
            {draft.fields[i]!.problem && !dropped.has(i) && (
              <label class="fix">
                <span class="sub">{fixed[i] ? 'corrected' : `as printed: ${draft.fields[i]!.problem}`}</span>
                <input type="tel" value={typed[i]?.text ?? draft.fields[i]!.raw} aria-invalid={!fixed[i]}
                  onInput={(e) => correct(i, e.currentTarget.value)} data-testid="fix-phone" />
                {typed[i]?.error && <span class="error" role="alert">{typed[i]!.error}</span>}
              </label>
            )}
          </div>
        ))}
      </fieldset>
      {draft.duplicates.length > 0 && (
        <section aria-label="Possible duplicates" class="duplicates">
          <h2>Already in your contacts?</h2>
          {draft.duplicates.map((id) => {
            const record = device.replica.contacts.get(id);
            return record && (
              <button type="button" key={id} disabled={unfixed.length > 0} onClick={() => void saveInto(id)} data-testid="merge-card">Add to {displayName(record.contact)}</button>
            );
          })}
        </section>
      )}
      {unfixed.length > 0 && (
        <p class="error" role="status" data-testid="card-to-fix">
          Correct or untick {unfixed.length === 1 ? 'the number' : `the ${unfixed.length} numbers`} marked above before saving: {unfixed.map((f) => `"${f.raw}"`).join(', ')}.
        </p>
      )}
      <div class="actions">
        <button type="button" class="primary" disabled={unfixed.length > 0} onClick={() => void saveNew()} data-testid="save-card">Save as new contact</button>
        <button type="button" onClick={() => void device.cards.done(card).then(() => go('/cards'))}>Dismiss</button>
      </div>
    </main>
  );
}

/** A contact's card photos, fetched from the server (they need the token, so no plain URL). */
export function CardImages({ device, images }: { device: Device; images: { id: string; side: string; blob: { sha256: string } }[] }) {
  const [urls, setUrls] = useState<Record<string, string>>({});
  useEffect(() => {
    let cancelled = false;
    const made: string[] = [];
    for (const image of images) {
      device.blobUrl(image.blob.sha256).then((url) => {
        made.push(url);
        if (!cancelled) setUrls((u) => ({ ...u, [image.id]: url }));
      }).catch(() => undefined);
    }
    return () => {
      cancelled = true;
      made.forEach((url) => URL.revokeObjectURL(url));
    };
  }, [device, images.map((i) => i.blob.sha256).join()]);
  if (images.length === 0) return null;
  return (
    <section aria-label="Card photos" class="card-images">
      <h2>Card</h2>
      {images.map((image) => urls[image.id]
        ? <img key={image.id} src={urls[image.id]} alt={`The card, ${image.side}`} data-testid="card-image" />
        : <p key={image.id} class="sub">The {image.side} of the card shows when online.</p>)}
    </section>
  );
}
