// A small strict XML reader for the tests: elements, attributes, text, the
// XML declaration and a DOCTYPE line; mismatched or unclosed tags throw. Enough
// to read autoconfig, autodiscover and plist documents the way a client would.

export interface XmlElement {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: XmlElement[];
  text: string;
}

const decodeEntities = (s: string) =>
  s.replace(/&(lt|gt|amp|apos|quot);/g, (_, e: string) => ({ lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' })[e]!);

export function parseXml(source: string): XmlElement {
  let pos = 0;
  const root: XmlElement = { name: '#document', attrs: {}, children: [], text: '' };
  const stack: XmlElement[] = [root];
  while (pos < source.length) {
    const lt = source.indexOf('<', pos);
    if (lt < 0) {
      if (source.slice(pos).trim() !== '') throw new Error('text after the root element');
      break;
    }
    const text = source.slice(pos, lt);
    if (text.includes('&') && !/&(lt|gt|amp|apos|quot);/.test(text)) throw new Error(`bad entity in ${text}`);
    stack.at(-1)!.text += decodeEntities(text);
    const gt = source.indexOf('>', lt);
    if (gt < 0) throw new Error('unclosed tag');
    const tag = source.slice(lt + 1, gt);
    pos = gt + 1;
    if (tag.startsWith('?') || tag.startsWith('!')) continue;
    if (tag.startsWith('/')) {
      const open = stack.pop();
      if (!open || open.name !== tag.slice(1).trim()) throw new Error(`</${tag.slice(1)}> closes <${open?.name}>`);
      continue;
    }
    const selfClosing = tag.endsWith('/');
    const body = selfClosing ? tag.slice(0, -1) : tag;
    const name = /^[\w:.-]+/.exec(body)?.[0];
    if (!name) throw new Error(`bad tag <${tag}>`);
    const attrs: Record<string, string> = {};
    for (const m of body.slice(name.length).matchAll(/([\w:.-]+)="([^"]*)"/g)) attrs[m[1]!] = decodeEntities(m[2]!);
    const element: XmlElement = { name, attrs, children: [], text: '' };
    stack.at(-1)!.children.push(element);
    if (!selfClosing) stack.push(element);
  }
  if (stack.length !== 1) throw new Error(`<${stack.at(-1)!.name}> is not closed`);
  if (root.children.length !== 1) throw new Error('expected one root element');
  return root.children[0]!;
}

/** Children by local name (a namespace prefix ignored). */
export function kids(el: XmlElement, name: string): XmlElement[] {
  return el.children.filter((c) => c.name.replace(/^\w+:/, '') === name);
}

export function kid(el: XmlElement, name: string): XmlElement {
  const found = kids(el, name)[0];
  if (!found) throw new Error(`<${el.name}> has no <${name}>`);
  return found;
}

export const textOf = (el: XmlElement, name: string) => kid(el, name).text.trim();
