import type { RefusedEdit, Replica } from '../sync/replica.ts';

/** The server's reason as it says it, the contact's id (if it names it) set apart. */
function withId(message: string, id: string) {
  const parts = message.split(id);
  return parts.flatMap((part, i) => (i === 0 ? [part] : [<code class="id" data-testid="contact-id" key={i}>{id}</code>, part]));
}

/** One lost edit as the rep reads it: whose, the server's code and its reason. */
export function RefusedNote({ refused, onDismiss }: { refused: RefusedEdit; onDismiss: () => void }) {
  return (
    <div class="rejected" role="alert" data-testid="refused-edit" data-code={refused.code}>
      <strong>Your changes to {refused.name || 'a contact'} were not saved</strong> ({refused.code}): {withId(refused.message, refused.id)}
      <button type="button" onClick={onDismiss}>Dismiss</button>
    </div>
  );
}

/** Every lost edit whose contact is no longer on this phone (one still here shows its own
 * refusal on its screen and a badge on its row), above every screen until dismissed. */
export function Refusals({ replica }: { replica: Replica }) {
  const gone = replica.refused.filter((r) => !replica.contacts.has(r.id));
  if (gone.length === 0) return null;
  return (
    <section class="refusals" aria-label="Changes not saved">
      {gone.map((r) => <RefusedNote key={r.id} refused={r} onDismiss={() => void replica.dismissRejection(r.id)} />)}
    </section>
  );
}
