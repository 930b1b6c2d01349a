// `npm run soak [-- --kills N --mails N --history N --no-web]`: 100 kills, a
// 5,000-mail account, a Matrix room with 300 messages of history and the web
// UI open by default; prints a JSON summary line.
import { parseArgs } from 'node:util';
import { soak } from './soak.js';

const { values } = parseArgs({
  options: {
    kills: { type: 'string', default: '100' },
    mails: { type: 'string', default: '5000' },
    history: { type: 'string', default: '300' },
    'no-web': { type: 'boolean', default: false },
  },
});
const summary = await soak({
  kills: Number(values.kills),
  mails: Number(values.mails),
  matrixHistory: Number(values.history),
  web: !values['no-web'],
  finalTimeoutMs: 30 * 60_000,
  log: (line) => process.stderr.write(`${line}\n`),
});
console.log(JSON.stringify({ soak: summary }));
