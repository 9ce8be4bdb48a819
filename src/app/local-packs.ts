// Packs opened from disk for this session: the user picks a pack folder (or drops its files) and the
// pack is listed beside the shipped ones. The files stay File objects in this page and the worker
// (which reads and verifies them like a served pack); nothing is uploaded, cached or persisted, so a
// reload forgets them. No React and no store here: the header and the worker client use it.
import { packFilesFromPicked, type PickedFile } from '../model/pack/file-source.ts';
import type { LocalPackId } from '../runtime/protocol.ts';

interface LocalPack {
  id: LocalPackId;
  label: string;
  files: Record<string, Blob>;
}

const packs = new Map<LocalPackId, LocalPack>();
const listeners = new Set<() => void>();
let snapshot: readonly { id: LocalPackId; label: string }[] = [];

function changed(): void {
  snapshot = [...packs.values()].map((p) => ({ id: p.id, label: p.label }));
  for (const l of listeners) l();
}

/**
 * Registers the pack among `picked` (the folder of its top-most manifest.json) and returns its id.
 * Opening the same folder name again replaces the earlier files. Throws ModelPackMissingFileError
 * when no manifest.json was picked.
 */
export function registerLocalPack(picked: readonly PickedFile[]): LocalPackId {
  const { folder, files } = packFilesFromPicked(picked);
  const name = folder.split('/').filter(Boolean).pop() || 'pack';
  const id: LocalPackId = `local:${name}`;
  packs.set(id, { id, label: `${name} (from disk)`, files: Object.fromEntries(files) });
  changed();
  return id;
}

export function localPackFiles(id: string): Record<string, Blob> | undefined {
  return packs.get(id as LocalPackId)?.files;
}

/** The packs opened so far (a stable array between changes, for useSyncExternalStore). */
export function localPacks(): readonly { id: LocalPackId; label: string }[] {
  return snapshot;
}

export function subscribeLocalPacks(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Files chosen with <input type="file" webkitdirectory> (or multiple): their paths inside the choice. */
export function pickedFromFileList(list: ArrayLike<File>): PickedFile[] {
  return Array.from(list, (file) => ({ path: file.webkitRelativePath || file.name, file }));
}

interface EntryLike {
  isFile: boolean;
  isDirectory: boolean;
  name: string;
  fullPath: string;
}
interface FileEntryLike extends EntryLike {
  file(ok: (f: File) => void, fail: (e: unknown) => void): void;
}
interface DirectoryEntryLike extends EntryLike {
  createReader(): { readEntries(ok: (entries: EntryLike[]) => void, fail: (e: unknown) => void): void };
}

async function walk(entry: EntryLike, out: PickedFile[]): Promise<void> {
  if (out.length > 10_000) return;
  if (entry.isFile) {
    const file = await new Promise<File>((ok, fail) => (entry as FileEntryLike).file(ok, fail));
    out.push({ path: entry.fullPath.replace(/^\//, ''), file });
    return;
  }
  if (!entry.isDirectory) return;
  const reader = (entry as DirectoryEntryLike).createReader();
  // readEntries answers in batches (100 in Chromium) until it returns an empty one.
  for (;;) {
    const batch = await new Promise<EntryLike[]>((ok, fail) => reader.readEntries(ok, fail));
    if (batch.length === 0) break;
    for (const e of batch) await walk(e, out);
  }
}

/** Files (and whole folders, where the browser exposes entries) dropped on the page. */
export async function pickedFromDataTransfer(dt: DataTransfer): Promise<PickedFile[]> {
  const entries: EntryLike[] = [];
  for (const item of Array.from(dt.items ?? [])) {
    const entry = (item as DataTransferItem & { webkitGetAsEntry?: () => EntryLike | null }).webkitGetAsEntry?.();
    if (entry) entries.push(entry);
  }
  if (entries.length === 0) return pickedFromFileList(dt.files);
  const out: PickedFile[] = [];
  for (const e of entries) await walk(e, out);
  return out;
}
