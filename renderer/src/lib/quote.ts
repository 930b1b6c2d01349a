// A message as a Markdown quote for the composer: "> " before each line, then
// an empty line to write under it.
import type { MessageView } from '../../../main/daemon/model/types.js';

export function quoteText(m: Pick<MessageView, 'body' | 'senderName'>): string {
  const lines = m.body.split('\n').map((line) => (line ? `> ${line}` : '>'));
  return `${lines.join('\n')}\n\n`;
}
