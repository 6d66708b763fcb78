// Search text: decoded headers and text parts in any charset and transfer
// encoding, normalised for case-insensitive substring matching.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  analyze,
  analyzeMessage,
  asMessageStructure,
  bodySearchText,
  decodePartText,
  findPart,
  htmlToText,
  type MessageStructure,
  normalizeSearchText,
  searchText,
} from '../../../firmware/mime/index.ts';
import { fixture } from './fixtures.ts';

function textOf(name: string): string {
  const body = fixture(name);
  return searchText(body, analyzeMessage(body));
}

describe('searchText', () => {
  test('non-UTF-8 bodies and subjects are decoded and lower-cased', () => {
    const cases: Array<[string, string[]]> = [
      ['cp1251-8bit.eml', ['добрый день, ольга!', 'subject: привет', 'from: иван <ivan@example.ru>']],
      ['koi8r-qp.eml', ['съешь же ещё этих мягких французских булок.', 'проверка']],
      ['latin2-base64.eml', ['příliš žluťoučký kůň úpěl ďábelské ódy.', 'subject: žluťoučký kůň']],
      ['iso-2022-jp.eml', ['こんにちは、世界。', '会議は明日です。', 'subject: 会議の件']],
      ['shift-jis-html.eml', ['お知らせ：サーバー保守', 'subject: 保守']],
      ['encoded-subject-split.eml', ['subject: grüße aus köln (plain tail)', 'schöne grüße aus köln.', 'françoise <fr@example.fr>']],
      ['bare-lf.eml', ['line one line two', 'ünïcödé']],
    ];
    for (const [name, needles] of cases) {
      const text = textOf(name);
      for (const needle of needles) assert.ok(text.includes(needle), `${name}: ${needle} in ${text}`);
    }
  });

  test('HTML is stripped to its text; markup and attachments are not indexed', () => {
    const text = textOf('nested-mixed-alternative-related.eml');
    assert.ok(text.includes('sale now on'));
    assert.ok(!text.includes('<p>'));
    assert.ok(!text.includes('ivborw0kggo'), 'base64 of the image is not text');
    assert.ok(!text.includes('jvberi0xljqk'), 'the PDF is not text');
  });

  test('the encapsulated message of a forward is searchable, headers included', () => {
    const text = textOf('forwarded-rfc822.eml');
    assert.ok(text.includes('from: eve <eve@example.net>'));
    assert.ok(text.includes('pizza at noon?'));
  });

  test('bodySearchText leaves out the top-level header but keeps the header of an attached message', () => {
    const body = fixture('forwarded-rfc822.eml');
    const text = bodySearchText(body, analyzeMessage(body));
    assert.ok(!text.includes('fwd: lunch?'));
    assert.ok(text.includes('subject: lunch?'));
    assert.ok(text.includes('see below.'));
  });

  test('normalisation: NFC, lower case, whitespace runs folded to one space', () => {
    assert.equal(normalizeSearchText('Cafe\u0301  BAR\r\n\tBaz'), 'café bar baz');
    const text = textOf('simple-text.eml');
    assert.ok(text.includes(normalizeSearchText('Hi Bob,\r\n\r\nThe QUARTERLY')));
  });

  test('decodePartText confirms a hit in one part; non-text parts give nothing', () => {
    const body = fixture('nested-mixed-alternative-related.eml');
    const s = analyzeMessage(body);
    assert.equal(decodePartText(body, findPart(s, [1, 2, 1])!.part), 'Sale now on');
    assert.equal(decodePartText(body, findPart(s, [1, 2, 2])!.part), '');
    const koi = fixture('koi8r-qp.eml');
    assert.equal(decodePartText(koi, analyzeMessage(koi).root), 'Съешь же ещё этих мягких французских булок.\r\n');
  });

  test('htmlToText drops scripts, styles and comments and decodes entities', () => {
    const html =
      '<html><head><style>p{color:red}</style><script>var x = "<b>no</b>";</script></head>' +
      '<body><!-- hidden --><p>Fish &amp; chips &#8364;5 &euro;&nbsp;only</p>a < b<br>c</body></html>';
    const text = normalizeSearchText(htmlToText(html));
    assert.equal(text.trim(), 'fish & chips €5 € only a < b c');
  });

  test('analyze() gives the BodyInfo the store keeps and marks a cut search text', () => {
    const body = fixture('simple-text.eml');
    const info = analyze(body);
    assert.deepEqual(info.structure, analyzeMessage(body));
    assert.equal(info.text, searchText(body, analyzeMessage(body)));
    assert.equal(asMessageStructure(JSON.parse(JSON.stringify(info.structure)))?.root.type, 'text');
    assert.equal(asMessageStructure({ v: 2, root: {}, envelope: {} }), undefined);
    assert.equal(asMessageStructure(undefined), undefined);
    const cut = analyze(body, { maxTextChars: 20 });
    assert.equal(cut.text?.length, 20);
    assert.equal((cut.structure as MessageStructure).textTruncated, true);
  });
});

describe('htmlToText stays linear', () => {
  test('a megabyte of "<" without ">" and an unclosed script', () => {
    const lots = 'a < b '.repeat(200_000);
    assert.equal(htmlToText(lots).length, lots.trim().length);
    assert.equal(htmlToText(`x<script>${'y'.repeat(1_000_000)}`), 'x');
  });
});
