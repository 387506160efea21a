import { describe, expect, test } from 'vitest';
import { memberActions, type Member } from './members.ts';

const m = (id: string, role: string, active = true): Member => ({ id, name: id, email: `${id}@fjord-trading.example`, role, active });

describe('memberActions', () => {
  test('the owner changes roles and deactivates anyone but themselves', () => {
    expect(memberActions('o', 'owner', m('a', 'admin'))).toEqual({ toggleActive: true, changeRole: true });
    expect(memberActions('o', 'owner', m('x', 'member'))).toEqual({ toggleActive: true, changeRole: true });
    expect(memberActions('o', 'owner', m('o', 'owner'))).toEqual({ toggleActive: false, changeRole: false });
  });
  test('an admin deactivates and reactivates but never changes a role', () => {
    expect(memberActions('a', 'admin', m('x', 'member'))).toEqual({ toggleActive: true, changeRole: false });
    expect(memberActions('a', 'admin', m('x', 'member', false))).toEqual({ toggleActive: true, changeRole: false });
    expect(memberActions('a', 'admin', m('o', 'owner'))).toEqual({ toggleActive: false, changeRole: false });
    expect(memberActions('a', 'admin', m('a', 'admin'))).toEqual({ toggleActive: false, changeRole: false });
  });
  test('a member changes nobody', () => {
    expect(memberActions('x', 'member', m('y', 'member'))).toEqual({ toggleActive: false, changeRole: false });
  });
  test('a deactivated member gets no new role until reactivated', () => {
    expect(memberActions('o', 'owner', m('x', 'member', false))).toEqual({ toggleActive: true, changeRole: false });
  });
});
