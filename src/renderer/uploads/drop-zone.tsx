/**
 * Where files and folders are dropped, with a button for the OS picker (the keyboard way in). The
 * dropped `File` objects go to `onFiles` as they are: the preload reads their paths and main keeps
 * them (the page gets grants, never a path); folders are expanded in main.
 */
import { useState, type DragEvent } from 'react';

export function DropZone({
  onFiles,
  onPick,
}: {
  /** Resolves false when none of the files is a file on this computer. */
  readonly onFiles: (files: readonly File[]) => Promise<boolean>;
  readonly onPick: () => void;
}) {
  const [over, setOver] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);

  const onDragOver = (event: DragEvent<HTMLElement>) => {
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
    setOver(true);
  };
  const onDrop = (event: DragEvent<HTMLElement>) => {
    event.preventDefault();
    setOver(false);
    const files = Array.from(event.dataTransfer.files);
    if (files.length === 0) return;
    void onFiles(files).then((added) => setNotice(added ? null : 'These files cannot be read from here; use “Choose files…” instead.'));
  };

  return (
    <section
      className={over ? 'drop-zone drop-zone-over' : 'drop-zone'}
      aria-label="Add files"
      onDragOver={onDragOver}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
    >
      <p>Drop files or folders here to upload them, or</p>
      <button type="button" onClick={onPick}>
        Choose files…
      </button>
      {notice !== null && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
    </section>
  );
}
