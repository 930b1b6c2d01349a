// What every Matrix mapper shares: the account's mapping memory and small
// readers of untyped event content that never throw (a field of the wrong
// type degrades to null).
import type { PushRuleSet } from '../pushRules.js';

export interface ReactionRef {
  roomId: string;
  target: string;
  sender: string;
  key: string;
}

export interface MappingContext {
  selfId: string;
  selfName: string | null;
  /** The account's push rules (m.push_rules); null until a sync brought them. */
  pushRules?: PushRuleSet | null;
  /** roomId → the other user, from m.direct. */
  direct: Map<string, string>;
  /** Reaction event id → what it reacted to (so a redaction can remove it). */
  reactions: Map<string, ReactionRef>;
}

export type Json = Record<string, unknown>;
export const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
export const num = (v: unknown): number | null =>
  typeof v === 'number' && Number.isFinite(v) ? v : null;
export const obj = (v: unknown): Json | null =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : null;

export const localpart = (userId: string): string =>
  userId.replace(/^@/, '').split(':')[0] ?? userId;

/** A person's name for system text and room names. */
export type NameOf = (userId: string) => string;
