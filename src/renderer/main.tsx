/** The renderer's entry: finds the bridge, then renders the app (or says plainly why it cannot). */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { getDocksideApi, grantsForDroppedFiles } from './api.js';
import { ApiProvider } from './api-context.js';
import { App } from './app.js';
import { describeError } from './errors.js';
import './styles.css';

const container = document.getElementById('root');
if (container === null) throw new Error('index.html has no #root element');
const root = createRoot(container);

try {
  const api = getDocksideApi();
  root.render(
    <StrictMode>
      <ApiProvider api={api}>
        <App grantsForDrop={grantsForDroppedFiles} />
      </ApiProvider>
    </StrictMode>,
  );
} catch (error) {
  root.render(
    <main className="app-main">
      <h1>Dockside cannot start</h1>
      <p role="alert">{describeError(error)}</p>
    </main>,
  );
}
