// The client, handed down the component tree.
import { createContext, useContext } from 'react';
import type { RendererClient } from './client.js';

export const ClientContext = createContext<RendererClient | null>(null);

export function useClient(): RendererClient {
  const client = useContext(ClientContext);
  if (!client) throw new Error('useClient outside <ClientContext.Provider>');
  return client;
}
