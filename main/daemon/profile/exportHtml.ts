// The export's HTML pages: plain, readable, printable, offline. Every string
// from a chat (names, bodies, file names, even ids) goes through `escapeHtml`
// or `escapeUrlPath`; the pages carry a CSP that forbids scripts, so a body
// that still got through would do nothing.
import type { ExportDocument, ExportedChat, ExportedMessage } from './export.js';

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text for HTML content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** A relative path whose segments are percent-encoded, then escaped for an attribute. */
function escapeUrlPath(path: string): string {
  return escapeHtml(path.split('/').map(encodeURIComponent).join('/'));
}

const CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' file:; media-src 'self' file:; " +
  "form-action 'none'; base-uri 'none'";

const STYLE = `
body { font: 15px/1.45 system-ui, sans-serif; max-width: 50rem; margin: 2rem auto; padding: 0 1rem; color: #1d1d1f; }
h1 { font-size: 1.5rem; } .meta { color: #666; font-size: 0.85rem; }
.message { border-top: 1px solid #ddd; padding: 0.5rem 0; }
.sender { font-weight: 600; } .body { white-space: pre-wrap; overflow-wrap: anywhere; margin: 0.25rem 0; }
.deleted .body { color: #888; font-style: italic; }
details { font-size: 0.85rem; color: #555; } img { max-width: 100%; max-height: 20rem; display: block; }
.reactions { font-size: 0.85rem; } ul.chats li { margin: 0.25rem 0; }
`;

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(CSP)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${body}
</body>
</html>
`;
}

export function indexPage(doc: ExportDocument): string {
  const items = doc.chats
    .map(
      (c) =>
        `<li><a href="${escapeUrlPath(`chat-${c.id}.html`)}">${escapeHtml(c.name)}</a> ` +
        `<span class="meta">${escapeHtml(c.account.label)} · ${c.messages.length} messages</span></li>`,
    )
    .join('\n');
  return page(
    'Parley export',
    `<h1>Parley export</h1>
<p class="meta">Exported ${escapeHtml(doc.exportedAt)} · ${doc.chats.length} chats</p>
<ul class="chats">
${items}
</ul>`,
  );
}

function attachmentHtml(a: ExportedMessage['attachments'][number]): string {
  const label = `${escapeHtml(a.name)}${a.size !== null ? ` (${a.size} bytes)` : ''}`;
  if (!a.file) return `<p class="meta">📎 ${label} — not downloaded</p>`;
  const href = escapeUrlPath(a.file);
  const image = a.mime.startsWith('image/')
    ? `<img src="${href}" alt="${escapeHtml(a.name)}">`
    : '';
  return `<p>${image}📎 <a href="${href}">${label}</a></p>`;
}

function messageHtml(m: ExportedMessage): string {
  const history = m.editHistory.length
    ? `<details><summary>Edited ${m.editHistory.length}×</summary>${m.editHistory
        .map(
          (r) =>
            `<p class="body">${escapeHtml(r.body)}</p><p class="meta">replaced ${escapeHtml(new Date(r.replacedAt).toISOString())}</p>`,
        )
        .join('')}</details>`
    : '';
  const reactions = m.reactions.length
    ? `<div class="reactions">${m.reactions.map((r) => `${escapeHtml(r.key)} ${r.count}`).join(' · ')}</div>`
    : '';
  const subject = m.subject ? `<p><strong>${escapeHtml(m.subject)}</strong></p>` : '';
  const body = m.deleted ? 'This message was deleted.' : m.body;
  return `<article class="message${m.deleted ? ' deleted' : ''}" id="m${m.id}">
<div><span class="sender">${escapeHtml(m.sender.name)}</span> <time class="meta" datetime="${escapeHtml(m.time)}">${escapeHtml(m.time.replace('T', ' ').slice(0, 19))} UTC</time>${m.edited ? ' <span class="meta">(edited)</span>' : ''}${m.outboxState ? ` <span class="meta">(${escapeHtml(m.outboxState)})</span>` : ''}</div>
${subject}<p class="body">${escapeHtml(body)}</p>
${m.attachments.map(attachmentHtml).join('\n')}${reactions}${history}
</article>`;
}

export function chatPage(chat: ExportedChat, exportedAt: string): string {
  return page(
    chat.name,
    `<p class="meta"><a href="index.html">All chats</a></p>
<h1>${escapeHtml(chat.name)}</h1>
<p class="meta">${escapeHtml(chat.account.label)} (${escapeHtml(chat.account.protocol)}) · ${chat.messages.length} messages · exported ${escapeHtml(exportedAt)}</p>
${chat.topic ? `<p>${escapeHtml(chat.topic)}</p>` : ''}
${chat.messages.map(messageHtml).join('\n')}`,
  );
}
