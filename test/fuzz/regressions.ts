// Cases the full fuzz run (`npm run fuzz`) once failed, replayed in CI
// (test/unit/connectorFuzz.test.ts) so the fix stays. Each is fast-check's
// counterexample as the run printed it, with what had gone wrong.
import type { Protocol } from '../../main/daemon/model/types.js';
import type { CaseMutation } from './mutations.js';

export interface FuzzRegression {
  protocol: Protocol;
  found: string;
  case: CaseMutation;
}

export const FUZZ_REGRESSIONS: readonly FuzzRegression[] = [
  {
    protocol: 'rest-chat',
    // 2026-12-02, seed 20261202, case 9281: a 41,113-message page answered
    // four times made the catch-up's Math.max(...ids) overflow the stack
    // (RangeError, an untyped error that ended the sync).
    found: 'Math.max over a catch-up of 160,000 messages overflowed the stack',
    case: {
      phase: 'catchUp',
      target: 1795803529,
      body: [
        {
          op: 'retype',
          at: 76388,
          value: [
            'F,',
            null,
            true,
            'F%Qd^]2',
            null,
            false,
            null,
            -1.4926340634749453e94,
            '4f,8D',
            2.755917759530977e-270,
          ],
        },
        { op: 'hugeArray', at: 48112, length: 41113 },
      ],
      sequence: [
        { op: 'repeat', index: 1435207993, times: 1 },
        { op: 'repeat', index: 1893532773, times: 3 },
      ],
    },
  },
  {
    protocol: 'jmap-mail',
    // 2026-12-02, seed 20261202, case 98: the session's core capability
    // turned into an array made CoreCapabilitySchema.parse throw a ZodError
    // (untyped) instead of falling back to the default limits.
    found: 'a core capability that is an array threw a ZodError',
    case: {
      phase: 'initial',
      target: 13,
      body: [
        { op: 'limitNumber', at: 27185, literal: '9007199254740991' },
        { op: 'deepNest', at: 21836, depth: 3808, kind: 'array' },
        {
          op: 'retype',
          at: 30583,
          value: [
            false,
            -6.922748059827746e-57,
            2.0849807645407053e-53,
            '>P',
            'v5>,<8h$',
            null,
            null,
          ],
        },
      ],
      sequence: [{ op: 'swap', a: 12, b: 134315058 }],
    },
  },
  {
    protocol: 'matrix',
    // 2026-12-02, seed 20261202, case 84: a push rule pattern of megabytes
    // became a regular expression V8 could not run (RangeError "Stack
    // overflow"), which ended the sync.
    found: 'a push rule pattern of megabytes overflowed the regular expression engine',
    case: {
      phase: 'initial',
      target: 2147483647,
      body: [
        { op: 'hugeString', at: 66316, length: 4668838 },
        { op: 'hugeString', at: 39173, length: 1443742 },
        { op: 'add', at: 91866, key: 'H$v$Gp}]R', value: ['8?K+v{', false, null, null] },
      ],
      sequence: [{ op: 'swap', a: 1228684779, b: 1094681554 }],
    },
  },
  {
    protocol: 'matrix',
    // 2026-12-02, seed 20261202, case 469: our display name made megabytes
    // long became a RegExp V8 refused (SyntaxError) when looking for mentions.
    found: 'a display name of megabytes made the mention check throw',
    case: {
      phase: 'initial',
      target: 510929036,
      body: [
        { op: 'hugeString', at: 13999, length: 4614766 },
        { op: 'add', at: 69318, key: '46', value: null },
      ],
      sequence: [{ op: 'swap', a: 309269039, b: 699897338 }],
    },
  },
  {
    protocol: 'matrix',
    // 2026-12-02, seed 20261202, case 576: room data nested 15,548 deep went
    // into the connector's state, which JSON.stringify could not write
    // (RangeError in the store's transaction).
    found: 'connector state nested too deeply for JSON.stringify',
    case: {
      phase: 'initial',
      target: 1789388892,
      body: [{ op: 'deepNest', at: 17363, depth: 15548, kind: 'array' }],
      sequence: [{ op: 'swap', a: 607107662, b: 963830528 }],
    },
  },
  {
    protocol: 'jmap-chat',
    // 2026-12-02, seed 20261202, case 9,448: a lone surrogate in a session
    // URL made new URL() throw a TypeError (untyped) while reading the session.
    found: 'a session URL that is no URL threw a TypeError',
    case: {
      phase: 'initial',
      target: 1667505605,
      body: [{ op: 'surrogate', at: 3260, unit: 56192 }],
      sequence: [],
    },
  },
];
