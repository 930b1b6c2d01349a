import { JSDOM } from 'jsdom';
import createDOMPurify from 'dompurify';
const { window } = new JSDOM('<!doctype html><body></body>');
const p = createDOMPurify(window as any);
p.addHook('afterSanitizeAttributes', (n: any) => { if (n.tagName) console.log('hook', n.tagName, n.outerHTML); if (n.tagName==='FONT') n.setAttribute('style','color: red'); });
const b = p.sanitize('<font color="#ff0000">c</font><span data-mx-spoiler="x">s</span>', { ALLOWED_TAGS: ['font','span'], ALLOWED_ATTR: ['color','data-mx-spoiler','style'], ALLOW_DATA_ATTR: false, RETURN_DOM: true }) as any;
console.log(b.innerHTML);
