// "Open a pack from disk": a button that picks a pack folder, and a drop target over the whole page
// for a dropped folder or its files. The pack is registered for this session (app/local-packs.ts),
// listed in the pack picker and loaded; the worker verifies every file against the manifest like a
// served pack. Nothing leaves the browser.
import { useEffect, useRef, useState } from 'react';
import { pickedFromDataTransfer, pickedFromFileList, registerLocalPack } from '../local-packs.ts';
import type { PickedFile } from '../../model/pack/file-source.ts';
import type { PackId } from '../../runtime/protocol.ts';

export function OpenPackFromDisk({ onOpen }: { onOpen: (id: PackId) => void }) {
  const input = useRef<HTMLInputElement>(null);
  const [error, setError] = useState<string | null>(null);
  const [dragging, setDragging] = useState(false);

  const open = (picked: PickedFile[]) => {
    try {
      const id = registerLocalPack(picked);
      setError(null);
      onOpen(id);
    } catch (e) {
      setError((e as Error).message);
    }
  };

  useEffect(() => {
    // Only drags that carry files show the drop target (dragging text or a link does not).
    const hasFiles = (e: DragEvent) => Array.from(e.dataTransfer?.types ?? []).includes('Files');
    let depth = 0;
    const enter = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      depth++;
      setDragging(true);
    };
    const leave = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      depth = Math.max(0, depth - 1);
      if (depth === 0) setDragging(false);
    };
    const over = (e: DragEvent) => {
      if (hasFiles(e)) e.preventDefault();
    };
    const drop = (e: DragEvent) => {
      if (!e.dataTransfer || !hasFiles(e)) return;
      e.preventDefault();
      depth = 0;
      setDragging(false);
      pickedFromDataTransfer(e.dataTransfer).then(open, (err: Error) => setError(`The dropped files could not be read: ${err.message}`));
    };
    window.addEventListener('dragenter', enter);
    window.addEventListener('dragleave', leave);
    window.addEventListener('dragover', over);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragenter', enter);
      window.removeEventListener('dragleave', leave);
      window.removeEventListener('dragover', over);
      window.removeEventListener('drop', drop);
    };
    // open only registers and calls onOpen, which is stable for the page's life.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  return (
    <>
      <button type="button" data-testid="open-pack" onClick={() => input.current?.click()} title="Open a pack folder from your disk (it stays in this browser; nothing is uploaded). You can also drop the folder on the page.">
        Open from disk…
      </button>
      <input
        ref={input}
        type="file"
        data-testid="open-pack-input"
        aria-label="Pack folder"
        multiple
        hidden
        {...{ webkitdirectory: '' }}
        onChange={(e) => {
          const files = e.currentTarget.files;
          if (files && files.length) open(pickedFromFileList(files));
          e.currentTarget.value = '';
        }}
      />
      {error && (
        <span className="reason error" role="alert" data-testid="open-pack-error">
          {error}
        </span>
      )}
      {dragging && (
        <div className="drop-overlay" data-testid="drop-overlay" aria-hidden="true">
          Drop a pack folder (with its manifest.json) to open it
        </div>
      )}
    </>
  );
}
