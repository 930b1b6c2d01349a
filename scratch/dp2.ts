import { JSDOM } from 'jsdom';
import createDOMPurify from 'dompurify';
const { window } = new JSDOM('<!doctype html><body></body>');
const base = { ALLOWED_TAGS: ['font','span'], ALLOWED_ATTR: ['color','data-mx-spoiler'], RETURN_DOM: true };
for (const extra of [{}, {ALLOW_DATA_ATTR:false}, {ALLOW_ARIA_ATTR:false}, {ADD_FORBID_CONTENTS:['mx-reply']}, {FORBID_TAGS:['mx-reply']}, {ALLOWED_URI_REGEXP: /^(?:https?|mxc):/i}]) {
const p = createDOMPurify(window as any);
const b = p.sanitize('<font color="#ff0000">c</font><span data-mx-spoiler="x">s</span>', { ...base, ...extra } as any) as any;
console.log(JSON.stringify(Object.keys(extra)), b.innerHTML);
}
