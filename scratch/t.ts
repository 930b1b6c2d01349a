import { initials, avatarColour } from '../renderer/src/lib/avatar.ts';
import { splitMailText } from '../renderer/src/lib/mailText.ts';
import { checkLink } from '../renderer/src/lib/links.ts';
for (const n of ['Ann Lee','ann@example.org','@bob:hs','','Élodie','"Jo Smith" <jo@x>','李小龙']) console.log(n, initials(n), avatarColour(n));
console.log(JSON.stringify(splitMailText('Thanks!\n\nOn Mon, Ann wrote:\n> hi\n> there\n\nmore\n-- \nBob\nACME')));
for (const [h,t] of [['https://xn--pple-43d.com/x'],['http://аpple.com'],['https://evil.com','paypal.com'],['https://example.com','click here'],['javascript:alert(1)'],['https://www.example.com','example.com']]) console.log(h, JSON.stringify(checkLink(h,t)));
