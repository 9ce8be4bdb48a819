import { describe, expect, it } from 'vitest';
import { ModelPackMissingFileError } from '../model/errors.ts';
import { localPackFiles, localPacks, registerLocalPack, subscribeLocalPacks } from './local-packs.ts';

describe('packs opened from disk', () => {
  it('registers the folder of the manifest, lists it and hands its files to the worker client', () => {
    let calls = 0;
    const off = subscribeLocalPacks(() => calls++);
    const m = new Blob(['{}']);
    const w = new Blob(['x']);
    const id = registerLocalPack([
      { path: 'exports/my-pack/manifest.json', file: m },
      { path: 'exports/my-pack/weights/group1-shard1of1.bin', file: w },
    ]);
    expect(id).toBe('local:my-pack');
    expect(localPacks()).toEqual([{ id: 'local:my-pack', label: 'my-pack (from disk)' }]);
    const snapshot = localPacks();
    expect(localPacks()).toBe(snapshot); // stable between changes (useSyncExternalStore)
    expect(localPackFiles(id)).toEqual({ 'manifest.json': m, 'weights/group1-shard1of1.bin': w });
    // Opening the same folder again replaces it.
    registerLocalPack([{ path: 'my-pack/manifest.json', file: w }]);
    expect(localPacks()).toHaveLength(1);
    expect(localPackFiles(id)).toEqual({ 'manifest.json': w });
    expect(calls).toBe(2);
    off();
    expect(localPackFiles('local:other')).toBeUndefined();
  });

  it('refuses files without a manifest', () => {
    expect(() => registerLocalPack([{ path: 'x/a.bin', file: new Blob(['x']) }])).toThrow(ModelPackMissingFileError);
  });
});
