// Renders a component inside an ApiProvider with a fake bridge, and cleans up after each test
// (vitest runs without globals, so testing-library's automatic cleanup does not hook itself in).
import { cleanup, render, type RenderResult } from '@testing-library/react';
import type { ReactElement } from 'react';
import { afterEach } from 'vitest';
import { ApiProvider } from '../../src/renderer/api-context.js';
import type { FakeApi } from './fake-api.js';

afterEach(() => cleanup());

/** Renders `ui` with `api` as the bridge. */
export function renderWithApi(ui: ReactElement, api: FakeApi): RenderResult {
  return render(<ApiProvider api={api}>{ui}</ApiProvider>);
}
