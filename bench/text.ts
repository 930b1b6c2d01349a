// Deterministic variation of the corpus text, so that repeating the corpus to
// reach 1M messages does not repeat identical rows, and so that CJK and
// accented searches have something to find.
import { hash32, unit } from './prng.js';

/** Word swaps applied in repeats (rep ≥ 1); the choice rotates with the repeat. */
const SWAPS: Record<string, string[]> = {
  fix: ['repair', 'patch', 'correct'],
  fixes: ['repairs', 'patches', 'corrects'],
  bug: ['issue', 'defect', 'glitch'],
  bugs: ['issues', 'defects', 'glitches'],
  test: ['check', 'probe', 'spec'],
  tests: ['checks', 'probes', 'specs'],
  add: ['introduce', 'bring in', 'include'],
  remove: ['drop', 'delete', 'strip'],
  use: ['employ', 'rely on', 'reach for'],
  change: ['modification', 'tweak', 'edit'],
  changes: ['modifications', 'tweaks', 'edits'],
  function: ['helper', 'routine', 'procedure'],
  file: ['document', 'path', 'blob'],
  files: ['documents', 'paths', 'blobs'],
  code: ['source', 'logic', 'implementation'],
  simple: ['plain', 'easy', 'trivial'],
  make: ['let', 'render', 'get'],
  new: ['fresh', 'novel', 'brand-new'],
  old: ['stale', 'previous', 'legacy'],
  update: ['refresh', 'revise', 'bump'],
  updated: ['refreshed', 'revised', 'bumped'],
  error: ['failure', 'fault', 'problem'],
  user: ['person', 'human', 'operator'],
  users: ['people', 'humans', 'operators'],
  option: ['flag', 'switch', 'setting'],
  options: ['flags', 'switches', 'settings'],
};
const SWAP_RE = new RegExp(`\\b(${Object.keys(SWAPS).join('|')})\\b`, 'g');

const SUFFIXES = [
  ' 👍',
  ' — thanks!',
  ' (see above)',
  ' lol',
  ' +1',
  ' ok?',
  ' — will follow up tomorrow',
  ' 🙏',
  ' cc the team',
  ' (again)',
  ' :)',
  ' — PTAL',
];

export const CJK_SENTENCES = [
  '数据库同步已经完成了。',
  '请检查搜索结果是否正确。',
  '我们明天讨论数据库迁移的问题。',
  '这个分支已经合并到主线。',
  '搜索功能在离线时也能使用。',
  'データベースの同期が完了しました。',
  '検索結果を確認してください。',
  '明日のミーティングでリベースについて話しましょう。',
  'このブランチはもうマージされました。',
  '東京オフィスからのお知らせです。',
  '데이터베이스 동기화가 완료되었습니다.',
  '검색 결과를 확인해 주세요.',
  '내일 회의에서 리베이스에 대해 이야기합시다.',
  '이 브랜치는 이미 병합되었습니다.',
  '메시지를 다시 보내 주세요.',
];

export const ACCENTED_PHRASES = [
  'Meet me at the café near the station.',
  'Flying to Zürich on Monday.',
  'Updated my résumé with the new role.',
  'That was a naïve approach, in hindsight.',
  'The café in São Paulo was great.',
  'The façade rewrite landed.',
  'Jalapeño poppers at the offsite!',
  'A smörgåsbord of fixes this week.',
  'Crème brûlée for the release party.',
  'Señor Núñez sends his regards.',
  'Déjà vu: the same crash again.',
  'Smoke test in Malmö passed.',
];

/** Appended to a few backfilled (old) messages only: the "backfill" query's term. */
export const BACKFILL_MARKER = ' — recovered from the palimpsest archive';

export interface TextChoice {
  cjk: boolean;
  accented: boolean;
  backfillMarker: boolean;
}

export function variantText(
  base: string,
  paragraph: number,
  rep: number,
  seed: number,
  backfill: boolean,
): { text: string; choice: TextChoice } {
  let text = base;
  if (rep > 0) {
    text = text.replace(SWAP_RE, (w) => {
      const alts = SWAPS[w]!;
      return alts[(rep - 1 + hash32(w, paragraph)) % alts.length]!;
    });
  }
  const cjk = unit('cjk', seed, paragraph, rep) < 0.015;
  const accented = unit('acc', seed, paragraph, rep) < 0.02;
  const backfillMarker = backfill && unit('bf', seed, paragraph, rep) < 0.004;
  if (cjk) {
    const s = CJK_SENTENCES[hash32('cjks', seed, paragraph, rep) % CJK_SENTENCES.length]!;
    // Half replace the message (a CJK-only chat line), half append to it.
    text = unit('cjkr', seed, paragraph, rep) < 0.5 ? s : `${text} ${s}`;
  }
  if (accented) {
    const s = ACCENTED_PHRASES[hash32('accs', seed, paragraph, rep) % ACCENTED_PHRASES.length]!;
    text = `${text} ${s}`;
  }
  if (unit('suf', seed, paragraph, rep) < 0.12)
    text += SUFFIXES[hash32('sufs', seed, paragraph, rep) % SUFFIXES.length]!;
  if (backfillMarker) text += BACKFILL_MARKER;
  return { text, choice: { cjk, accented, backfillMarker } };
}
