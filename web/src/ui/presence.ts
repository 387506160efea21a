// Teammates' presence as a rep reads it: "Mina is editing", on a contact and on its row.
import type { PresenceEntry } from '../sync/replica.ts';

/** One phrase per teammate (two devices of one person are one; editing outranks viewing),
 * editors first: "Mina is editing · Otto is viewing". Empty when nobody is there. */
export function presenceLine(entries: readonly PresenceEntry[], names: ReadonlyMap<string, string>, suffix = ''): string {
  const byMember = new Map<string, PresenceEntry['state']>();
  for (const p of entries) if (byMember.get(p.member) !== 'editing') byMember.set(p.member, p.state);
  return [...byMember]
    .sort(([, a], [, b]) => (a === b ? 0 : a === 'editing' ? -1 : 1))
    .map(([member, state]) => `${names.get(member) ?? 'A teammate'} is ${state === 'editing' ? 'editing' : 'viewing'}${suffix}`)
    .join(' · ');
}

/** Whether anyone is editing: the row's badge stands out then. */
export function someoneEditing(entries: readonly PresenceEntry[]): boolean {
  return entries.some((p) => p.state === 'editing');
}
