// Sanitized mail HTML in a sandboxed iframe: sandbox="allow-same-origin" only
// (no scripts, forms, popups or navigation; same origin so the page can size
// the frame to its content and pass link clicks outside), srcdoc with its own
// CSP. Remote images are removed by the sanitizer; "Load images" has the
// daemon fetch them into the blob store, and the frame shows them from there.
import { useEffect, useMemo, useRef, useState } from 'react';
import { useClient } from '../api/ClientContext.js';
import { errorMessage } from '../api/callError.js';
import { sanitizeMailHtml } from '../lib/mailHtml.js';
import { useDarkMode } from '../hooks/useDarkMode.js';

export function MailFrame({ html, title }: { html: string; title: string }) {
  const client = useClient();
  const [images, setImages] = useState<ReadonlyMap<string, string>>(new Map());
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const dark = useDarkMode();
  const blobSources = client.mode === 'web' ? "'self'" : 'parley-blob:';
  const { srcdoc, blockedImages } = useMemo(
    () => sanitizeMailHtml(html, { images, blobSources, dark }),
    [html, images, blobSources, dark],
  );
  const loadImages = async () => {
    setLoading(true);
    setError(null);
    try {
      const got = await client.call('media.fetchRemote', { urls: blockedImages.slice(0, 50) });
      const next = new Map(images);
      for (const g of got) if (g.sha256) next.set(g.url, client.blobUrl(g.sha256));
      setImages(next);
      const failed = got.filter((g) => !g.sha256).length;
      if (failed) setError(`${failed} image${failed === 1 ? '' : 's'} could not be loaded.`);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setLoading(false);
    }
  };
  const frame = useRef<HTMLIFrameElement>(null);
  const [height, setHeight] = useState(120);

  useEffect(() => {
    const el = frame.current;
    if (!el) return;
    let observer: ResizeObserver | null = null;
    const onLoad = () => {
      const doc = el.contentDocument;
      if (!doc) return;
      const fit = () => setHeight(Math.min(4000, Math.max(40, doc.documentElement.scrollHeight)));
      fit();
      observer?.disconnect();
      observer = new ResizeObserver(fit);
      observer.observe(doc.body);
      // Links open outside the app (the shell hands them to the system browser).
      doc.addEventListener('click', (e) => {
        const link = (e.target as Element | null)?.closest?.('a[href]');
        if (!link) return;
        e.preventDefault();
        const href = link.getAttribute('href') ?? '';
        if (/^(https?:|mailto:)/i.test(href)) window.open(href, '_blank', 'noopener,noreferrer');
      });
    };
    el.addEventListener('load', onLoad);
    return () => {
      el.removeEventListener('load', onLoad);
      observer?.disconnect();
    };
  }, [srcdoc]);

  return (
    <div className="mail-body">
      {blockedImages.length > 0 && !error ? (
        <p className="mail-images-blocked" role="status">
          {blockedImages.length === 1
            ? '1 remote image is'
            : `${blockedImages.length} remote images are`}{' '}
          blocked to protect your privacy.{' '}
          <button
            type="button"
            className="link-button"
            disabled={loading}
            onClick={() => void loadImages()}
          >
            {loading ? 'Loading images…' : 'Load images'}
          </button>
        </p>
      ) : null}
      {error ? (
        <p className="mail-images-blocked error" role="alert">
          {error}
        </p>
      ) : null}
      <iframe
        ref={frame}
        title={title}
        className="mail-frame"
        sandbox="allow-same-origin"
        referrerPolicy="no-referrer"
        srcDoc={srcdoc}
        style={{ height }}
      />
    </div>
  );
}
