// Plain message text with its addresses as links (linkifyjs), built from text
// pieces: nothing in a message can become markup. A click goes through the
// link opener (system browser, confirmation for look-alike hosts).
import { Fragment, memo, type MouseEvent, type ReactNode } from 'react';
import { useLinkOpener } from '../api/LinkOpener.js';
import { findLinks } from '../lib/links.js';

export const LinkifiedText = memo(function LinkifiedText({ text }: { text: string }) {
  const opener = useLinkOpener();
  const links = findLinks(text);
  if (links.length === 0) return <>{text}</>;
  const pieces: ReactNode[] = [];
  let at = 0;
  links.forEach((link, i) => {
    if (link.start > at)
      pieces.push(<Fragment key={`t${i}`}>{text.slice(at, link.start)}</Fragment>);
    pieces.push(
      <a
        key={`l${i}`}
        className="ext-link"
        href={link.href}
        target="_blank"
        rel="noopener noreferrer"
        onClick={(e: MouseEvent) => {
          e.preventDefault();
          opener.open(link.href);
        }}
      >
        {link.text}
      </a>,
    );
    at = link.end;
  });
  if (at < text.length) pieces.push(<Fragment key="end">{text.slice(at)}</Fragment>);
  return <>{pieces}</>;
});
