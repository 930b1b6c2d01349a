// A plain-text mail with the quoted mail below a reply and the signature
// folded (lib/mailText.ts): each opens on a click.
import { splitMailText } from '../lib/mailText.js';
import { LinkifiedText } from './LinkifiedText.js';

export function MailText({ text }: { text: string }) {
  const parts = splitMailText(text);
  return (
    <div className="message-body mail-text">
      {parts.map((part, i) =>
        part.kind === 'text' ? (
          <div key={i}>
            <LinkifiedText text={part.text} />
          </div>
        ) : (
          <details key={i} className={`mail-fold ${part.kind}`}>
            <summary>
              {part.kind === 'quote' ? `Quoted text (${part.lines} lines)` : 'Signature'}
            </summary>
            <div className="mail-fold-body">
              <LinkifiedText text={part.text} />
            </div>
          </details>
        ),
      )}
    </div>
  );
}
