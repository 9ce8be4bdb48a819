import { describe, expect, it } from 'vitest';
import { parseProfiles, ProfileImportError } from './profiles.ts';

describe('parseProfiles', () => {
  it('reads the exported format and a bare array, trimming names', () => {
    const exported = JSON.stringify({ format: 'peapod-profiles/1', profiles: [{ name: ' Ana ', pack: 'beauty', items: [3, 9], createdAt: '2026-01-01T00:00:00.000Z' }] });
    expect(parseProfiles(exported)).toEqual([{ name: 'Ana', pack: 'beauty', items: [3, 9], createdAt: '2026-01-01T00:00:00.000Z' }]);
    const bare = parseProfiles('[{"name":"B","pack":"musical-instruments","items":[1]}]');
    expect(bare[0]!.name).toBe('B');
    expect(typeof bare[0]!.createdAt).toBe('string');
  });
  it('names what is wrong with a bad file', () => {
    expect(() => parseProfiles('{oops')).toThrow(ProfileImportError);
    expect(() => parseProfiles('{"x":1}')).toThrow(/JSON array of profiles/);
    expect(() => parseProfiles('[{"pack":"beauty","items":[1]}]')).toThrow(/Profile 1 has no name/);
    expect(() => parseProfiles('[{"name":"C","pack":"beauty","items":[0, 2.5]}]')).toThrow(/Profile "C": items must be positive integer item ids/);
  });
});
