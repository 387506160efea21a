import { useEffect, useState } from 'preact/hooks';
import type { Session } from '../sync/api.ts';
import { Device } from '../sync/session.ts';
import type { ReplicaStore } from '../sync/store.ts';
import { ContactEdit } from './ContactEdit.tsx';
import { ContactList } from './ContactList.tsx';
import { ContactView } from './ContactView.tsx';
import { go, useReplica, useRoute } from './hooks.ts';
import { CardReview, Cards } from './Cards.tsx';
import { Directory } from './Directory.tsx';
import { History } from './History.tsx';
import { Import } from './Import.tsx';
import { Members } from './Members.tsx';
import { Refusals } from './Refusals.tsx';
import { Sharing } from './Sharing.tsx';
import { SignIn } from './SignIn.tsx';
import { StatusBar } from './StatusBar.tsx';

function SignedIn({ device, onSignOut }: { device: Device; onSignOut: () => void }) {
  const version = useReplica(device.replica);
  const route = useRoute();
  const region = device.session.region;
  let screen;
  // A start reads the records after its first paint: a contact's screens (an edit form takes
  // its draft from the record once) wait for that contact.
  const loadingContact = device.replica.loading && route[0] === 'c' && route[1] !== undefined && !device.replica.contacts.has(route[1]);
  if (loadingContact) screen = <main class="contact" aria-label="Contact"><p class="empty">Loading…</p></main>;
  else if (route[0] === 'new') screen = <ContactEdit replica={device.replica} id={null} region={region} key="new" />;
  else if (route[0] === 'c' && route[1] && route[2] === 'edit') screen = <ContactEdit replica={device.replica} id={route[1]} region={region} key={`edit-${route[1]}`} />;
  else if (route[0] === 'c' && route[1] && route[2] === 'history') screen = <History device={device} id={route[1]} key={`history-${route[1]}`} />;
  else if (route[0] === 'c' && route[1] && route[2] === 'share') screen = <Sharing device={device} id={route[1]} key={`share-${route[1]}`} />;
  else if (route[0] === 'import') screen = <Import device={device} id={route[1] ?? null} key={route[1] ?? 'start'} />;
  else if (route[0] === 'members') screen = <Members device={device} />;
  else if (route[0] === 'directory') screen = <Directory device={device} />;
  else if (route[0] === 'cards' && route[1]) screen = <CardReview device={device} card={route[1]} key={route[1]} />;
  else if (route[0] === 'cards') screen = <Cards device={device} />;
  else if (route[0] === 'c' && route[1]) screen = <ContactView replica={device.replica} id={route[1]} members={device.members} device={device} />;
  else screen = <ContactList replica={device.replica} region={region} version={version} members={device.members} device={device} />;
  return (
    <div class="app">
      <header class="top">
        <a class="brand" href="#/">Rolo</a>
        <StatusBar replica={device.replica} />
        <a class="brand-link" href="#/import" data-testid="open-import">Import</a>
        <a class="brand-link" href="#/members">Team</a>
        <button type="button" class="signout" onClick={onSignOut} aria-label={`Sign out ${device.session.email}`}>Sign out</button>
      </header>
      <Refusals replica={device.replica} />
      {screen}
    </div>
  );
}

export function App({ store, restored, ready }: { store: ReplicaStore; restored: Device | null; ready: Promise<unknown> }) {
  const [device, setDevice] = useState<Device | null>(restored);
  const [ended, setEnded] = useState<string | null>(null);

  useEffect(() => {
    if (!device) return;
    device.onSignedOut(() => {
      // The server no longer takes this device's tokens. Its unsent edits name this device,
      // which the server will refuse from a new sign-in: say so rather than drop them quietly.
      const waiting = device.replica.pendingCount();
      setEnded(waiting > 0
        ? `Your session ended. ${waiting} edited ${waiting === 1 ? 'contact' : 'contacts'} on this phone could not be sent and will be discarded when you sign in.`
        : 'Your session ended. Sign in again.');
      setDevice(null);
    });
    device.start();
  }, [device]);

  const begin = async (session: Session) => {
    setDevice(await Device.begin(store, session, ready));
    go('/');
  };

  const signOut = async () => {
    const waiting = device?.replica.pendingCount() ?? 0;
    // Signing out forgets this device's copy, unsent edits included: say so first.
    if (waiting > 0 && !confirm(`${waiting} edited ${waiting === 1 ? 'contact has' : 'contacts have'} not been sent yet. Signing out loses ${waiting === 1 ? 'it' : 'them'}. Sign out anyway?`)) return;
    await device?.signOut();
    setDevice(null);
  };

  return device ? <SignedIn device={device} onSignOut={() => void signOut()} /> : <SignIn onSession={(s) => void begin(s)} notice={ended} />;
}
