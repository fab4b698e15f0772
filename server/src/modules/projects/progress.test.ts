/** The pure derivations: task progress and flags from published reports, suggestion and complaint state from their logs. */
import { describe, expect, it } from 'vitest';
import { expectedProgress, taskState, weightedProgress, type PublishedFacts } from './progress.ts';
import { suggestionState } from './suggestions.ts';
import { complaintStatus } from './complaints.ts';

const plan = {
  targets: [{ key: 'a', label: 'A', unit: '个', target: 100, atLeast: false }, { key: 'b', label: 'B', unit: '个', target: 10, atLeast: false }],
  milestones: [{ id: 1, weight: 30 }, { id: 2, weight: 70 }],
  plannedStart: '2026-01-01', plannedEnd: '2026-12-31',
};
const report = (p: Partial<PublishedFacts>): PublishedFacts => ({ status: 'in-progress', progress: null, figures: {}, milestonesDone: [], actualStart: null, actualEnd: null, ...p });

describe('task progress', () => {
  it('expects progress on the straight line between the planned dates', () => {
    expect(expectedProgress('2026-01-01', '2026-12-31', '2025-12-31')).toBe(0);
    expect(expectedProgress('2026-01-01', '2026-12-31', '2026-07-02')).toBeCloseTo(0.5, 2);
    expect(expectedProgress('2026-01-01', '2026-12-31', '2027-01-01')).toBe(1);
    expect(expectedProgress(null, null, '2026-06-01')).toBe(0);
  });

  it('uses the latest figure per target, averaged over targets; milestones when no figure; the reported fraction last', () => {
    const s = taskState(plan, [report({ figures: { a: 20, b: 2 } }), report({ figures: { a: 50, zzz: 9 } })], '2026-03-01', 0.15);
    expect(s.actuals).toEqual({ a: 50, b: 2 });
    expect(s.progress).toBeCloseTo((0.5 + 0.2) / 2, 5);
    expect(taskState(plan, [report({ milestonesDone: [2] })], '2026-03-01', 0.15).progress).toBeCloseTo(0.7, 5);
    expect(taskState({ ...plan, targets: [], milestones: [] }, [report({ progress: 0.4 })], '2026-03-01', 0.15).progress).toBe(0.4);
    expect(taskState(plan, [report({ figures: { a: 500, b: 50 } })], '2026-03-01', 0.15).progress).toBe(1); // capped
    expect(taskState(plan, [report({ status: 'completed' })], '2026-03-01', 0.15).progress).toBe(1);
  });

  it('flags: nothing judged before the first published report; behind by more than the gap; overdue after the end', () => {
    expect(taskState(plan, [], '2026-11-01', 0.15).flags).toMatchObject({ unreported: true, offTrack: false, overdue: false });
    const behind = taskState(plan, [report({ figures: { a: 30, b: 3 } })], '2026-11-01', 0.15);
    expect(behind.flags).toMatchObject({ offTrack: true, overdue: false });
    expect(taskState(plan, [report({ figures: { a: 30, b: 3 } })], '2026-05-01', 0.15).flags.offTrack).toBe(false);
    expect(taskState(plan, [report({ status: 'suspended' })], '2026-11-01', 0.15).flags.offTrack).toBe(false);
    expect(taskState(plan, [report({ figures: { a: 99 } })], '2027-01-02', 0.15).flags.overdue).toBe(true);
    expect(taskState(plan, [report({ status: 'completed' })], '2027-01-02', 0.15).flags.overdue).toBe(false);
    // The threshold is data: a wider gap judges the same report on track.
    expect(taskState(plan, [report({ figures: { a: 30, b: 3 } })], '2026-11-01', 0.9).flags.offTrack).toBe(false);
  });

  it('actual dates: as reported, else the first report of work under way and the completing report', () => {
    const s = taskState(plan, [report({ status: 'not-started', reportedOn: '2026-02-01' }), report({ reportedOn: '2026-03-05' }), report({ reportedOn: '2026-04-01' })], '2026-05-01', 0.15);
    expect([s.actualStart, s.actualEnd]).toEqual(['2026-03-05', null]);
    const done = taskState(plan, [report({ actualStart: '2026-01-20', reportedOn: '2026-03-05' }), report({ status: 'completed', reportedOn: '2026-09-30' })], '2026-10-01', 0.15);
    expect([done.actualStart, done.actualEnd]).toEqual(['2026-01-20', '2026-09-30']);
    // Reopened after completion: no end date any more.
    expect(taskState(plan, [report({ status: 'completed', reportedOn: '2026-09-30' }), report({ reportedOn: '2026-10-02' })], '2026-10-03', 0.15).actualEnd).toBeNull();
  });

  it('weights tasks explicitly', () => {
    expect(weightedProgress([{ weight: 1, progress: 1 }, { weight: 3, progress: 0 }])).toBe(0.25);
    expect(weightedProgress([])).toBe(0);
  });
});

describe('state from logs', () => {
  it('a suggestion', () => {
    const s = suggestionState([
      { kind: 'submitted', data: { topic: 'other' } }, { kind: 'published', data: {} }, { kind: 'categorised', data: { topic: 'services' } },
      { kind: 'adopted', data: { response: '已采纳' } }, { kind: 'linked', data: { kind: 'task', id: 3 } }, { kind: 'linked', data: { kind: 'task', id: 3 } },
      { kind: 'linked', data: { kind: 'project', id: 1 } }, { kind: 'unlinked', data: { kind: 'project', id: 1 } },
    ]);
    expect(s).toEqual({ status: 'adopted', topic: 'services', mergedInto: null, response: '已采纳', links: [{ kind: 'task', id: 3 }] });
    expect(suggestionState([{ kind: 'submitted', data: { topic: 'other' } }, { kind: 'published', data: {} }, { kind: 'merged', data: { into: 7 } }]))
      .toMatchObject({ status: 'merged', mergedInto: 7 });
  });

  it('a complaint', () => {
    expect(complaintStatus(['received'])).toBe('received');
    expect(complaintStatus(['received', 'accepted', 'note'])).toBe('in-progress');
    expect(complaintStatus(['received', 'replied'])).toBe('answered');
    expect(complaintStatus(['received', 'accepted', 'replied', 'rated'])).toBe('closed');
  });
});
