// Scope tokens: the chat a message is in, and whether it has attachments, as
// words of the word index, so `in:<chat> the` and `has:attachment kernel` are
// FTS5 AND queries. FTS5 answers an AND by leapfrogging the doclists (each
// seeks to the other's next rowid), so a chat holding 0.2% of all messages
// drives the walk instead of every hit of "the" being looked up by rowid
// (~25k row checks for a page at 1M messages; issue #14).
//
// The tokens are private-use characters, which unicode61 keeps as token
// characters and which no typed query word matches by prefix: a chat id is
// written in base 65534 with digits from the Supplementary Private Use
// Area-A (U+F0000..U+FFFFD), one character below 65534 chats, so it adds no
// prefix-index entries (those start at two characters); the attachment flag
// is U+E000. They go at the end of the sender column, which from: searches as
// a phrase (the name's words stay adjacent) and relevance weights 0.
//
// A token only narrows the candidates: the search still checks m.chat_id and
// m.has_attachment on each row, so a name that happens to hold one of these
// characters can never make a message match.

const CHAT_DIGIT_ZERO = 0xf0000;
const CHAT_DIGITS = 65_534;
export const ATTACHMENT_TOKEN = '\ue000';

/** The word-index token of a chat (a non-negative integer id). */
export function chatToken(chatId: number): string {
  let token = '';
  let rest = chatId;
  do {
    token = String.fromCodePoint(CHAT_DIGIT_ZERO + (rest % CHAT_DIGITS)) + token;
    rest = Math.floor(rest / CHAT_DIGITS);
  } while (rest > 0);
  return token;
}

/** The sender column as the word index holds it: the name, then the scope tokens. */
export function senderIndexText(sender: string, chatId: number, hasAttachment: boolean): string {
  const scope = hasAttachment ? `${chatToken(chatId)} ${ATTACHMENT_TOKEN}` : chatToken(chatId);
  return sender === '' ? scope : `${sender} ${scope}`;
}
