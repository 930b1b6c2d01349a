// A plain-text mail split into what the reader shows and what it folds: the
// quoted mail below a reply ("> " lines, with the "On …, Ann wrote:" line
// that introduces them) and the signature (after the "-- " line of RFC 3676,
// §4.3). Pure, so it is tested in Node.
export type MailTextPart =
  | { kind: 'text'; text: string }
  | { kind: 'quote'; text: string; lines: number }
  | { kind: 'signature'; text: string };

const ATTRIBUTION =
  /^(On\b.*\bwrote:|Am\b.*\bschrieb.*:|Le\b.*\ba écrit\s?:|-{2,}\s*Original Message\s*-{2,})\s*$/i;
const QUOTED = /^\s*>/;
/** RFC 3676's delimiter is "-- " exactly; many mailers lose the space. */
const SIGNATURE = /^-- ?$/;

export function splitMailText(text: string): MailTextPart[] {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const parts: MailTextPart[] = [];
  const push = (kind: 'text' | 'quote', chunk: string[]) => {
    if (chunk.length === 0) return;
    const joined = chunk.join('\n');
    if (kind === 'text') {
      const last = parts[parts.length - 1];
      if (last?.kind === 'text') last.text += `\n${joined}`;
      else if (joined.trim() !== '') parts.push({ kind: 'text', text: joined });
    } else parts.push({ kind: 'quote', text: joined, lines: chunk.length });
  };
  let i = 0;
  let plain: string[] = [];
  while (i < lines.length) {
    const line = lines[i]!;
    if (SIGNATURE.test(line)) {
      push('text', plain);
      plain = [];
      const rest = lines
        .slice(i + 1)
        .join('\n')
        .trimEnd();
      if (rest) parts.push({ kind: 'signature', text: rest });
      return parts;
    }
    // An attribution line directly followed by quoted lines folds with them.
    const attributed = ATTRIBUTION.test(line.trim()) && QUOTED.test(lines[i + 1] ?? '');
    if (attributed || QUOTED.test(line)) {
      push('text', plain);
      plain = [];
      const quote: string[] = [];
      if (attributed) quote.push(lines[i++]!);
      while (
        i < lines.length &&
        (QUOTED.test(lines[i]!) || (lines[i] === '' && QUOTED.test(lines[i + 1] ?? '')))
      )
        quote.push(lines[i++]!);
      push('quote', quote);
      continue;
    }
    plain.push(line);
    i++;
  }
  push('text', plain);
  return parts;
}
