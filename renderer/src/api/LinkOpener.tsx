// Opening a link from a message: in the system browser (Electron's window-open
// handler hands http(s) and mailto to the OS; in web mode the browser opens a
// tab), at once for an ordinary link, after a confirmation naming the real
// host for a Punycode or look-alike one (lib/links.ts), never for a scheme
// that is not a web or mail link.
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { checkLink, type LinkCheck } from '../lib/links.js';
import { Dialog } from '../components/Dialog.js';

export interface LinkOpener {
  /** `text`: what the link showed, when it had its own (an HTML anchor). */
  open(href: string, text?: string): void;
}

const LinkOpenerContext = createContext<LinkOpener | null>(null);

export function useLinkOpener(): LinkOpener {
  const opener = useContext(LinkOpenerContext);
  if (!opener) throw new Error('useLinkOpener outside <LinkOpenerProvider>');
  return opener;
}

const openOutside = (href: string) => window.open(href, '_blank', 'noopener,noreferrer');

export function LinkOpenerProvider({ children }: { children: ReactNode }) {
  const [asking, setAsking] = useState<{ href: string; check: LinkCheck } | null>(null);
  const open = useCallback((href: string, text?: string) => {
    const check = checkLink(href, text);
    if (!check) return;
    if (check.warnings.length === 0) openOutside(href);
    else setAsking({ href, check });
  }, []);
  const value = useMemo(() => ({ open }), [open]);
  return (
    <LinkOpenerContext.Provider value={value}>
      {children}
      {asking ? (
        <Dialog title="Open this link?" onClose={() => setAsking(null)} className="link-confirm">
          <ul className="link-warnings">
            {asking.check.warnings.map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
          <p className="link-target">
            It opens <strong>{asking.check.asciiHost}</strong>
            <br />
            <code>{asking.href}</code>
          </p>
          <div className="dialog-actions">
            <button type="button" autoFocus onClick={() => setAsking(null)}>
              Cancel
            </button>
            <button
              type="button"
              className="danger"
              onClick={() => {
                openOutside(asking.href);
                setAsking(null);
              }}
            >
              Open anyway
            </button>
          </div>
        </Dialog>
      ) : null}
    </LinkOpenerContext.Provider>
  );
}
