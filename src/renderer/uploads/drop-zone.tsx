/**
 * Where files and folders are dropped, with a button for the OS picker (the keyboard way in). The
 * paths of dropped files come from `pathsForFiles` (the preload's webUtils in Electron); folders are
 * expanded in main.
 */
import { useState, type DragEvent } from 'react';

export function DropZone({
  onPaths,
  onPick,
  pathsForFiles,
}: {
  readonly onPaths: (paths: string[]) => void;
  readonly onPick: () => void;
  readonly pathsForFiles: (files: readonly File[]) => string[];
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
    const paths = pathsForFiles(files);
    if (paths.length === 0) {
      setNotice('These files cannot be read from here; use “Choose files…” instead.');
      return;
    }
    setNotice(null);
    onPaths(paths);
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
