/** The work order state as a pure function of its log, and the transitions it refuses. */
import { describe, expect, it } from 'vitest';
import { AppError } from '../../platform/errors.ts';
import { applyAction, deriveState, isOverdue, type ActionFacts } from './derive.ts';

const grid = { role: 'grid-worker' as const, regionCode: '120101001001', gridId: 'G1' };
const created: ActionFacts = { kind: 'created', at: '2026-03-02T01:00:00.000Z', assignee: grid, data: { dueAt: '2026-03-04T10:00:00.000Z' } };
const at = (s: number): string => new Date(Date.parse('2026-03-02T02:00:00.000Z') + s * 1000).toISOString();

const conflict = (fn: () => unknown): AppError => {
  try { fn(); } catch (e) { if (e instanceof AppError) return e; throw e; }
  throw new Error('expected a conflict');
};

describe('deriveState', () => {
  it('a new order is open, with its assignee and due time', () => {
    expect(deriveState([created])).toMatchObject({ status: 'open', assignee: grid, escalationLevel: 0, dueAt: '2026-03-04T10:00:00.000Z', createdAt: created.at });
  });

  it('follows accept, visit, resolve and close, keeping the times', () => {
    const s = deriveState([created, { kind: 'accepted', at: at(1) }, { kind: 'visit', at: at(2) }, { kind: 'resolved', at: at(3) }, { kind: 'closed', at: at(4) }]);
    expect(s).toMatchObject({ status: 'closed', acceptedAt: at(1), resolvedAt: at(3), closedAt: at(4) });
  });

  it('an escalation hands the order up one level with a new due time and waits for the new assignee to accept', () => {
    const community = { role: 'community-worker' as const, regionCode: '120101001001' };
    const s = deriveState([created, { kind: 'accepted', at: at(1) },
      { kind: 'escalated', at: at(2), assignee: community, data: { level: 1, dueAt: '2026-03-06T10:00:00.000Z' } }]);
    expect(s).toMatchObject({ status: 'open', assignee: community, escalationLevel: 1, dueAt: '2026-03-06T10:00:00.000Z', acceptedAt: null });
  });

  it('an acknowledgement counts as accepted and keeps the first acknowledgement time', () => {
    const s = deriveState([created, { kind: 'notified', at: at(1) }, { kind: 'acknowledged', at: at(5) }, { kind: 'acknowledged', at: at(9) }]);
    expect(s).toMatchObject({ status: 'accepted', acknowledgedAt: at(5), acceptedAt: at(5) });
  });

  it('reopening a resolved order makes it open again and clears resolution', () => {
    const s = deriveState([created, { kind: 'resolved', at: at(1) }, { kind: 'reopened', at: at(2), data: { dueAt: null } }]);
    expect(s).toMatchObject({ status: 'open', resolvedAt: null, dueAt: null });
  });

  it('replaying the same log gives the same state', () => {
    const log: ActionFacts[] = [created, { kind: 'accepted', at: at(1) }, { kind: 'note', at: at(2) }, { kind: 'resolved', at: at(3) }];
    expect(deriveState(log)).toEqual(deriveState([...log]));
  });
});

describe('refused transitions', () => {
  const closed = deriveState([created, { kind: 'closed', at: at(1) }]);
  it('nothing but a reopen on a closed order', () => {
    for (const kind of ['note', 'accepted', 'visit', 'resolved', 'closed', 'escalated'] as const) {
      const e = conflict(() => applyAction(closed, { kind, at: at(2), assignee: grid }));
      expect(e.code, kind).toBe('conflict');
      expect(e.message).toMatch(/closed/);
    }
    expect(applyAction(closed, { kind: 'reopened', at: at(2) }).status).toBe('open');
  });

  it('a resolved order takes a note or a close, not a visit', () => {
    const resolved = deriveState([created, { kind: 'resolved', at: at(1) }]);
    expect(conflict(() => applyAction(resolved, { kind: 'visit', at: at(2) })).message).toMatch(/resolved/);
    expect(applyAction(resolved, { kind: 'note', at: at(2) }).status).toBe('resolved');
  });

  it('no second creation, no double accept, no reassignment without an assignee, no first action other than created', () => {
    const open = deriveState([created]);
    expect(conflict(() => applyAction(open, created)).code).toBe('conflict');
    const accepted = applyAction(open, { kind: 'accepted', at: at(1) });
    expect(conflict(() => applyAction(accepted, { kind: 'accepted', at: at(2) })).message).toMatch(/already accepted/);
    expect(conflict(() => applyAction(open, { kind: 'assigned', at: at(2) })).message).toMatch(/assignee/);
    expect(conflict(() => applyAction(null, { kind: 'note', at: at(2) })).message).toMatch(/first action/);
    expect(conflict(() => applyAction(open, { kind: 'reopened', at: at(2) })).message).toMatch(/reopened/);
  });
});

describe('isOverdue', () => {
  it('only a waiting order past its due time', () => {
    const s = deriveState([created]);
    expect(isOverdue(s, new Date('2026-03-04T10:00:01Z'))).toBe(true);
    expect(isOverdue(s, new Date('2026-03-04T09:59:59Z'))).toBe(false);
    expect(isOverdue({ ...s, status: 'resolved' }, new Date('2026-03-05T00:00:00Z'))).toBe(false);
    expect(isOverdue({ ...s, dueAt: null }, new Date('2030-01-01T00:00:00Z'))).toBe(false);
  });
});
