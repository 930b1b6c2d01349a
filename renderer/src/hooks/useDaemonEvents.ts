// Subscribes a component to daemon events for as long as it is mounted. The
// latest handler is always the one called, without resubscribing.
import { useEffect, useRef } from 'react';
import type { DaemonEvent } from '../../../main/daemon/api/contract.js';
import { useClient } from '../api/ClientContext.js';

export function useDaemonEvents(handler: (event: DaemonEvent) => void): void {
  const client = useClient();
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => client.subscribe((event) => latest.current(event)), [client]);
}

/** Calls `onReconnect` whenever web mode's connection comes back after a drop (events may have been missed). */
export function useReconnect(onReconnect: () => void): void {
  const client = useClient();
  const latest = useRef(onReconnect);
  latest.current = onReconnect;
  useEffect(() => {
    let wasOpen: boolean | null = null;
    return client.onConnection((state) => {
      if (state !== 'open') {
        if (wasOpen) wasOpen = false;
        return;
      }
      if (wasOpen === false) latest.current();
      wasOpen = true;
    });
  }, [client]);
}
