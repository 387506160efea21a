import { useState } from 'preact/hooks';
import { ApiError, logIn, signUp, type Session } from '../sync/api.ts';

/** Sign in, or sign up a new company. The session is kept, so this shows once per device. */
export function SignIn({ onSession, notice = null }: { onSession: (session: Session) => void; notice?: string | null }) {
  const [mode, setMode] = useState<'in' | 'up'>('in');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [company, setCompany] = useState('');
  const [name, setName] = useState('');
  const [region, setRegion] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const session = mode === 'in' ? await logIn(email, password) : await signUp({ company, name, email, password, region });
      onSession(session);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : 'Could not reach the server. Check your connection.');
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="signin">
      <h1>Rolo</h1>
      <p class="lede">Your team's contacts, on the road and offline.</p>
      {notice && <p class="error" role="alert" data-testid="session-ended">{notice}</p>}
      <div class="tabs" role="tablist" aria-label="Sign in or sign up">
        <button type="button" role="tab" aria-selected={mode === 'in'} onClick={() => setMode('in')}>Sign in</button>
        <button type="button" role="tab" aria-selected={mode === 'up'} onClick={() => setMode('up')}>New company</button>
      </div>
      <form onSubmit={submit} aria-label={mode === 'in' ? 'Sign in' : 'Sign up'}>
        {mode === 'up' && (
          <>
            <label>Company<input name="company" value={company} onInput={(e) => setCompany(e.currentTarget.value)} required autocomplete="organization" /></label>
            <label>Your name<input name="name" value={name} onInput={(e) => setName(e.currentTarget.value)} required autocomplete="name" /></label>
            <label>Country (for phone numbers)<input name="region" value={region} onInput={(e) => setRegion(e.currentTarget.value)} placeholder="SE, JP, US…" autocomplete="country" /></label>
          </>
        )}
        <label>Email<input name="email" type="email" value={email} onInput={(e) => setEmail(e.currentTarget.value)} required autocomplete="username" /></label>
        <label>Password<input name="password" type="password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} required minLength={mode === 'up' ? 12 : 1} autocomplete={mode === 'in' ? 'current-password' : 'new-password'} /></label>
        {error && <p class="error" role="alert">{error}</p>}
        <button class="primary" type="submit" disabled={busy}>{mode === 'in' ? 'Sign in' : 'Create company'}</button>
      </form>
    </main>
  );
}
