import { JSDOM } from 'jsdom';
import { sanitizeMatrixHtml } from '../renderer/src/lib/matrixHtml.ts';
const { window } = new JSDOM('<!doctype html><body></body>');
for (const h of ['<mx-reply><blockquote>old <b>x</b></blockquote></mx-reply><b>bold</b> <i>it</i>', '<a href="javascript:alert(1)">x</a><a href="https://matrix.to/#/@me:hs">Me</a> see example.com', '<img src="mxc://hs/abc" alt="cat" width="5000" onerror="alert(1)"><img src="https://evil/x.png">', '<font color="#ff0000" data-mx-bg-color="red" style="x">c</font><span data-mx-spoiler="plot">s</span><code class="language-js evil">x</code>', '<svg><script>alert(1)</script></svg><iframe src=x></iframe><form><input></form>'])
  console.log(JSON.stringify(sanitizeMatrixHtml(h, { window: window as any, selfIds: new Set(['@me:hs']) })));
