/**
 * React access to the one app store and the engine client: `useApp(selector)` (wrap selectors that
 * build objects or arrays in `useShallow`), `useClient()` (null while disconnected).
 */
import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import type { ProtocolClient } from '../../../engine/protocol/client';
import type { AppState, AppStore } from './app-store';

export const StoreContext = createContext<AppStore | null>(null);
export const ClientContext = createContext<ProtocolClient | null>(null);

export function useAppStore(): AppStore {
  const s = useContext(StoreContext);
  if (!s) throw new Error('renderer: the app store is not provided');
  return s;
}

export function useApp<T>(selector: (s: AppState) => T): T {
  return useStore(useAppStore(), selector);
}

export function useClient(): ProtocolClient | null {
  return useContext(ClientContext);
}
