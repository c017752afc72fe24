/** Hands the bridge to components, so they never reach for a global and tests can pass a fake. */
import { createContext, useContext, type ReactNode } from 'react';
import type { DocksideApi } from '../shared/ipc-contract.js';

const ApiContext = createContext<DocksideApi | null>(null);

/** Makes `api` available to every component below it through `useApi`. */
export function ApiProvider({ api, children }: { readonly api: DocksideApi; readonly children: ReactNode }) {
  return <ApiContext.Provider value={api}>{children}</ApiContext.Provider>;
}

/** The bridge given to the nearest ApiProvider; a component outside one is a programming error. */
export function useApi(): DocksideApi {
  const api = useContext(ApiContext);
  if (api === null) throw new Error('useApi() called outside <ApiProvider>');
  return api;
}
