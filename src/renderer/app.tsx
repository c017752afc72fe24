/** The app shell: navigation between the four views, each a plain button reachable by keyboard. */
import { useState } from 'react';
import { HistoryView } from './history/history-view.js';
import { TransferLogView } from './log/transfer-log-view.js';
import { SettingsView } from './settings/settings-view.js';
import { assertNever } from './uploads/transfers-state.js';
import { UploadsView } from './uploads/uploads-view.js';

export type ViewName = 'uploads' | 'history' | 'log' | 'settings';

const VIEWS: readonly { readonly name: ViewName; readonly label: string }[] = [
  { name: 'uploads', label: 'Uploads' },
  { name: 'history', label: 'History' },
  { name: 'log', label: 'Transfer log' },
  { name: 'settings', label: 'Settings' },
];

export function App({
  grantsForDrop,
  initialView = 'uploads',
}: {
  readonly grantsForDrop: (files: readonly File[]) => Promise<string[]>;
  readonly initialView?: ViewName;
}) {
  const [view, setView] = useState<ViewName>(initialView);
  return (
    <div className="app">
      <nav className="app-nav" aria-label="Views">
        <span className="app-name">Dockside</span>
        {VIEWS.map(({ name, label }) => (
          <button key={name} type="button" aria-current={view === name ? 'page' : undefined} onClick={() => setView(name)}>
            {label}
          </button>
        ))}
      </nav>
      <main className="app-main">{renderView(view, grantsForDrop)}</main>
    </div>
  );
}

function renderView(view: ViewName, grantsForDrop: (files: readonly File[]) => Promise<string[]>) {
  switch (view) {
    case 'uploads':
      return <UploadsView grantsForDrop={grantsForDrop} />;
    case 'history':
      return <HistoryView />;
    case 'log':
      return <TransferLogView />;
    case 'settings':
      return <SettingsView />;
    default:
      return assertNever(view);
  }
}
