import { describe, expect, it } from 'vitest';
import { migratePersisted, PERSIST_VERSION } from './persisted.ts';

const ana = { name: 'Ana', pack: 'beauty', items: [3, 9], createdAt: '2026-01-01T00:00:00.000Z' };

describe('migratePersisted', () => {
  it('v1 {profiles} gains the default setting and keeps its profiles', () => {
    expect(migratePersisted({ profiles: [ana] }, 1)).toEqual({ profiles: [ana], constrained: true });
  });
  it('v2 keeps the stored setting', () => {
    expect(PERSIST_VERSION).toBe(2);
    expect(migratePersisted({ profiles: [], constrained: false }, 2)).toEqual({ profiles: [], constrained: false });
  });
  it('drops damaged profiles one by one and survives garbage records', () => {
    const stored = { profiles: [ana, null, { name: '', pack: 'beauty', items: [1] }, { name: 'B', pack: 'toys', items: [1] }, { name: 'C', pack: 'beauty', items: [-1] }], constrained: 'yes' };
    expect(migratePersisted(stored, 2)).toEqual({ profiles: [ana], constrained: true });
    for (const junk of [null, 7, 'x', [], { profiles: 'no' }]) expect(migratePersisted(junk, 1)).toEqual({ profiles: [], constrained: true });
  });
});
