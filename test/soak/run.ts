// `npm run soak [-- --kills N]` (100 by default): prints a JSON summary line.
import { parseArgs } from 'node:util';
import { soak } from './soak.js';

const { values } = parseArgs({ options: { kills: { type: 'string', default: '100' } } });
const summary = await soak(Number(values.kills), (line) => process.stderr.write(`${line}\n`));
console.log(JSON.stringify({ soak: summary }));
