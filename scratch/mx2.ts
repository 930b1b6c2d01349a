import { JSDOM } from 'jsdom';
import { sanitizeMatrixHtml } from '../renderer/src/lib/matrixHtml.ts';
const { window } = new JSDOM('<!doctype html><body></body>');
console.log(sanitizeMatrixHtml('<font color="#ff0000">c</font><span data-mx-spoiler="plot">s</span>', { window: window as any }).html);
console.log(sanitizeMatrixHtml('<font color="#ff0000">c</font><span data-mx-spoiler="plot">s</span>', { window: window as any }).html);
