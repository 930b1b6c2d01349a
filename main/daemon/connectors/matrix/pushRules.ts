// Matrix push rules (spec: Client-Server API, "Push Rules"): the rules the
// account holds (account data m.push_rules, server defaults included) decide
// whether an event notifies and whether it highlights. Evaluated here so the
// model gets plain notify / highlight flags; the server's unread_notifications
// counts stay the source of the counts. Pure: tested with the spec's examples.

type Json = Record<string, unknown>;

export interface PushRule {
  rule_id: string;
  enabled: boolean;
  actions: unknown[];
  conditions?: Json[];
  pattern?: string;
}

/** The global ruleset, by kind, in the order the spec evaluates them. */
export interface PushRuleSet {
  override: PushRule[];
  content: PushRule[];
  room: PushRule[];
  sender: PushRule[];
  underride: PushRule[];
}

const KINDS = ['override', 'content', 'room', 'sender', 'underride'] as const;

/** What the conditions need to know about the room and ourselves. */
export interface PushContext {
  selfId: string;
  /** Our display name in the room (or globally). */
  selfDisplayName: string | null;
  roomId: string;
  memberCount: number;
  /** A user's power level in the room. */
  powerOf(userId: string): number;
  /** The power level needed for a notification key (e.g. "room" for @room). */
  notificationLevel(key: string): number;
}

export interface PushDecision {
  notify: boolean;
  highlight: boolean;
}

// Since Matrix 1.7 these only apply to events without m.mentions.
const LEGACY_MENTION_RULES = new Set([
  '.m.rule.contains_display_name',
  '.m.rule.contains_user_name',
  '.m.rule.roomnotif',
]);

const obj = (v: unknown): Json | null =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : null;

/** m.push_rules content → the global ruleset; null when it has none. */
export function parsePushRules(content: unknown): PushRuleSet | null {
  const global = obj(obj(content)?.global);
  if (!global) return null;
  const set: PushRuleSet = { override: [], content: [], room: [], sender: [], underride: [] };
  for (const kind of KINDS) {
    const list = global[kind];
    if (!Array.isArray(list)) continue;
    for (const r of list) {
      const rule = obj(r);
      if (!rule || typeof rule.rule_id !== 'string' || !Array.isArray(rule.actions)) continue;
      set[kind].push({
        rule_id: rule.rule_id,
        enabled: rule.enabled !== false,
        actions: rule.actions,
        conditions: Array.isArray(rule.conditions)
          ? rule.conditions.filter((c): c is Json => obj(c) !== null)
          : undefined,
        pattern: typeof rule.pattern === 'string' ? rule.pattern : undefined,
      });
    }
  }
  return set;
}

/** The first enabled rule that matches decides; no match means no notification. */
export function evaluatePush(rules: PushRuleSet, event: Json, ctx: PushContext): PushDecision {
  const hasMentions = obj(event.content)?.['m.mentions'] !== undefined;
  for (const kind of KINDS)
    for (const rule of rules[kind]) {
      if (!rule.enabled) continue;
      if (hasMentions && LEGACY_MENTION_RULES.has(rule.rule_id)) continue;
      if (ruleMatches(kind, rule, event, ctx)) return decide(rule.actions);
    }
  return { notify: false, highlight: false };
}

function ruleMatches(
  kind: (typeof KINDS)[number],
  rule: PushRule,
  event: Json,
  ctx: PushContext,
): boolean {
  switch (kind) {
    case 'room':
      return rule.rule_id === ctx.roomId;
    case 'sender':
      return rule.rule_id === event.sender;
    case 'content':
      return (
        rule.pattern !== undefined &&
        eventMatch({ key: 'content.body', pattern: rule.pattern }, event, ctx)
      );
    default:
      // A plain loop: this runs for every rule and every event of a sync, in
      // code too short-lived for V8 to optimise a closure per call away.
      for (const c of rule.conditions ?? []) if (!conditionMatches(c, event, ctx)) return false;
      return true;
  }
}

function decide(actions: unknown[]): PushDecision {
  let notify = false;
  let highlight = false;
  for (const a of actions) {
    // "coalesce" is an old synonym of notify; "dont_notify" means no action.
    if (a === 'notify' || a === 'coalesce') notify = true;
    const tweak = obj(a);
    if (tweak?.set_tweak === 'highlight') highlight = tweak.value !== false;
  }
  return { notify, highlight: notify && highlight };
}

export function conditionMatches(c: Json, event: Json, ctx: PushContext): boolean {
  switch (c.kind) {
    case 'event_match':
      return eventMatch(c, event, ctx);
    case 'contains_display_name': {
      const name = ctx.selfDisplayName;
      const body = valueAt(event, 'content.body');
      if (!name || typeof body !== 'string') return false;
      if (name.length > MAX_PATTERN || !mayContain(body, name)) return false;
      return safeTest(`name:${name}`, () => wordPattern(escapeRegExp(name)), body);
    }
    case 'room_member_count':
      return typeof c.is === 'string' && compareCount(c.is, ctx.memberCount);
    case 'sender_notification_permission': {
      if (typeof c.key !== 'string' || typeof event.sender !== 'string') return false;
      return ctx.powerOf(event.sender) >= ctx.notificationLevel(c.key);
    }
    case 'event_property_is':
      return typeof c.key === 'string' && scalarEquals(propertyOf(event, c.key, ctx), c.value);
    case 'event_property_contains': {
      const list = typeof c.key === 'string' ? propertyOf(event, c.key, ctx) : undefined;
      return Array.isArray(list) && list.some((v) => scalarEquals(v, c.value));
    }
    default:
      // Unknown conditions never match (the rule is effectively disabled).
      return false;
  }
}

/** Glob (* and ?) against a string property, case-insensitive; content.body by whole words. */
function eventMatch(c: Json, event: Json, ctx: PushContext): boolean {
  if (typeof c.key !== 'string' || typeof c.pattern !== 'string') return false;
  const value = propertyOf(event, c.key, ctx);
  if (typeof value !== 'string') return false;
  if (c.pattern.length > MAX_PATTERN) return false;
  const pattern = c.pattern;
  if (c.key === 'content.body') {
    if (!mayContain(value, pattern)) return false;
    return safeTest(`word:${pattern}`, () => wordPattern(globToRegExp(pattern)), value);
  }
  // Most rules' patterns are plain ASCII words (m.room.member, m.notice): an
  // ASCII value then matches exactly when it is equal ignoring ASCII case, as
  // the regex's Unicode case folding decides, with no regex run per event.
  if (isPlainAscii(pattern) && isPlainAscii(value))
    return value.length === pattern.length && value.toLowerCase() === pattern.toLowerCase();
  return safeTest(`whole:${pattern}`, () => new RegExp(`^${globToRegExp(pattern)}$`, 'isu'), value);
}

const PLAIN_ASCII = /^[\x20-\x29\x2b-\x3e\x40-\x7e]*$/;
/** Printable ASCII without the glob's `*` and `?`. */
const isPlainAscii = (s: string): boolean => PLAIN_ASCII.test(s);

/**
 * Patterns (and display names) come from the server: one of megabytes makes
 * a regular expression V8 cannot compile or run ("Stack overflow", a
 * RangeError that would end the sync). Real ones are words; a longer one
 * never matches, like a condition we do not know.
 */
const MAX_PATTERN = 1000;

function safeTest(key: string, make: () => RegExp, value: string): boolean {
  try {
    return compiled(key, make).test(value);
  } catch {
    return false;
  }
}

/**
 * False only when `text` cannot hold `literal` case-insensitively: a cheap
 * test before the Unicode word regex, which costs a character-class lookup
 * per character of every body (the default rules look for the user's name in
 * each message). Only for plain ASCII literals, where the regex's case folding
 * adds just ſ (→ s) and the Kelvin sign (→ k, as toLowerCase does) to ASCII.
 */
function mayContain(text: string, literal: string): boolean {
  if (!/^[\x20-\x7e]*$/.test(literal) || /[*?]/.test(literal)) return true;
  return text.toLowerCase().replaceAll('ſ', 's').includes(literal.toLowerCase());
}

/**
 * Compiled patterns by rule: the same few rules run against every event of a
 * sync, and compiling a Unicode regular expression costs more than testing
 * it (most of the rule evaluation in a profiled catch-up). Bounded, since
 * rule patterns and display names come from the server.
 */
const patterns = new Map<string, RegExp>();
function compiled(key: string, make: () => RegExp): RegExp {
  let re = patterns.get(key);
  if (!re) {
    if (patterns.size >= 256) patterns.clear();
    re = make();
    patterns.set(key, re);
  }
  return re;
}

/**
 * A property of the event as the rules see it: a timeline event from /sync
 * has no room_id of its own (the room is its key), so the context's stands in.
 */
function propertyOf(event: Json, key: string, ctx: PushContext): unknown {
  if (key === 'room_id' && !Object.hasOwn(event, 'room_id')) return ctx.roomId;
  return valueAt(event, key);
}

/**
 * A dotted key into the event; `\.` is a literal dot and `\\` a literal
 * backslash (spec: "dot-separated path … escaped").
 */
export function valueAt(event: Json, key: string): unknown {
  let v: unknown = event;
  for (const p of keyPath(key)) {
    const o = obj(v);
    if (!o || !Object.hasOwn(o, p)) return undefined;
    v = o[p];
  }
  return v;
}

/**
 * A key's parts, split once: the same few keys (type, content.msgtype,
 * content.body) are looked up for every rule and every event of a sync.
 * Bounded, since keys come from the server's rules.
 */
const paths = new Map<string, string[]>();
function keyPath(key: string): string[] {
  let parts = paths.get(key);
  if (!parts) {
    if (paths.size >= 256) paths.clear();
    parts = splitKey(key);
    paths.set(key, parts);
  }
  return parts;
}

function splitKey(key: string): string[] {
  const parts: string[] = [];
  let part = '';
  for (let i = 0; i < key.length; i++) {
    const ch = key[i]!;
    if (ch === '\\' && (key[i + 1] === '.' || key[i + 1] === '\\')) part += key[++i];
    else if (ch === '.') {
      parts.push(part);
      part = '';
    } else part += ch;
  }
  parts.push(part);
  return parts;
}

const scalarEquals = (a: unknown, b: unknown): boolean =>
  (a === null || ['string', 'number', 'boolean'].includes(typeof a)) && a === b;

function compareCount(is: string, count: number): boolean {
  const m = /^(==|<=|>=|<|>)?\s*(\d+)$/.exec(is.trim());
  if (!m) return false;
  const n = Number(m[2]);
  switch (m[1] ?? '==') {
    case '<':
      return count < n;
    case '>':
      return count > n;
    case '<=':
      return count <= n;
    case '>=':
      return count >= n;
    default:
      return count === n;
  }
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function globToRegExp(glob: string): string {
  return [...glob].map((ch) => (ch === '*' ? '.*?' : ch === '?' ? '.' : escapeRegExp(ch))).join('');
}

/** Matches `inner` where it starts and ends at word boundaries (letters, digits, _ inside). */
function wordPattern(inner: string): RegExp {
  return new RegExp(`(?:^|[^\\p{L}\\p{N}_])(?:${inner})(?:$|[^\\p{L}\\p{N}_])`, 'isu');
}
