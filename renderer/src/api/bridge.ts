// The host the renderer runs in: window.parley in Electron (set by the
// preload), absent in web mode (webTransport.ts talks to the daemon instead).
// The types are shared with the preload and the shell: main/common/hostBridge.ts.
import type { ParleyBridge } from '../../../main/common/hostBridge.js';

export type {
  HostEvent,
  ParleyBridge,
  ShellCall,
  ShellEvent,
} from '../../../main/common/hostBridge.js';

declare global {
  interface Window {
    /** Present in Electron (set by the preload); absent in web mode. */
    parley?: ParleyBridge;
  }
}
