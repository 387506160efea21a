// Who may change whom on the members screen: the server's rules (server/src/http/accounts/
// members.rs), so the screen offers only what would be allowed. The server still decides, and
// its refusal is shown when the screen was out of date (a role changed elsewhere).

export type Role = 'owner' | 'admin' | 'member';

export interface Member { id: string; name: string; email: string; role: string; active: boolean }

export interface MemberActions {
  /** Deactivate (when active) or reactivate (when not). */
  toggleActive: boolean;
  /** Make admin / make member. */
  changeRole: boolean;
}

/** What `caller` (their id and role) may do to `target`. */
export function memberActions(callerId: string, callerRole: string, target: Member): MemberActions {
  const manager = callerRole === 'owner' || callerRole === 'admin';
  const owner = target.role === 'owner';
  return {
    // Nobody deactivates the owner or themselves; reactivating is open to any manager.
    toggleActive: manager && !owner && (target.id !== callerId || !target.active),
    changeRole: callerRole === 'owner' && !owner && target.active,
  };
}
