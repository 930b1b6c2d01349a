// A deterministic corpus of real-looking Chinese chat messages (with some
// Japanese, Korean, Latin, accented and Cyrillic text mixed in) for search
// recall tests. Sentences are built from common words, so every character
// occurs at the start, inside and at the end of CJK runs.
import { seededRandom } from './prng.js';

const WORDS = [
  '我们',
  '今天',
  '晚上',
  '明天',
  '北京',
  '上海',
  '朋友',
  '工作',
  '学习',
  '时间',
  '问题',
  '已经',
  '知道',
  '因为',
  '所以',
  '但是',
  '喜欢',
  '电影',
  '音乐',
  '吃饭',
  '睡觉',
  '夜',
  '月亮',
  '星星',
  '天气',
  '下雨',
  '中国',
  '大学',
  '老师',
  '学生',
  '医院',
  '公司',
  '会议',
  '项目',
  '代码',
  '服务器',
  '数据库',
  '手机',
  '电脑',
  '咖啡',
  '茶',
  '水',
  '山',
  '河',
  '花',
  '猫',
  '狗',
  '王',
  '李',
  '张',
  '刘',
  '陈',
  '杨',
  '黄',
  '赵',
  '周',
  '吴',
  '先生',
  '女士',
  '你',
  '我',
  '他',
  '她',
  '的',
  '了',
  '是',
  '在',
  '有',
  '很',
  '不',
  '也',
  '都',
  '和',
  '去',
  '来',
  '看',
  '说',
  '想',
  '做',
  '好',
  '夜晚',
  '深夜',
  '半夜',
  '今夜',
  '东京',
  'ありがとう',
  'カタカナ',
  '서울',
  '감사합니다',
];

const REAL = [
  '床前明月光，疑是地上霜。举头望明月，低头思故乡。',
  '春眠不觉晓，处处闻啼鸟。夜来风雨声，花落知多少。',
  '白日依山尽，黄河入海流。欲穷千里目，更上一层楼。',
  '王先生明天下午三点到北京开会。',
  '李老师说今晚的会议改到明天。',
  '服务器昨夜又重启了，数据库没事。',
  '今天是个好天气，我们去爬山吧！',
  '陈女士的猫很可爱。',
];

const LATIN = [
  'deploy',
  'merge',
  'release',
  'tonight',
  'coffee',
  'café',
  'Zürich',
  'résumé',
  'naïve',
  'São',
  'Paulo',
  'crème',
  'brûlée',
  'привет',
  'спасибо',
  'Москва',
  'сервер',
  'ночь',
];

const PUNCT = ['，', '。', '！', '？', '、', ' ', '；'];

export function chineseCorpus(count = 600, seed = 7): string[] {
  const next = seededRandom(seed); // the same corpus on every run
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const out = [...REAL];
  while (out.length < count) {
    let s = '';
    const words = 2 + Math.floor(next() * 9);
    for (let i = 0; i < words; i++) {
      s += pick(WORDS);
      if (next() < 0.2) s += pick(PUNCT);
    }
    if (next() < 0.3) s += ` ${pick(LATIN)} ${pick(LATIN)} `;
    if (next() < 0.5) s += pick(WORDS);
    s += pick(['。', '！', '？', '']);
    out.push(s);
  }
  return out;
}
