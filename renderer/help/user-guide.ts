/**
 * The bundled user guide (docs/user-guide*.md → dist/renderer/help/user-guide.<lang>.html, written by the renderer
 * build: renderer/vite.config.ts). A small Markdown subset — headings, paragraphs, lists, **bold**, `code` — is
 * enough for our own guide; every character of the source is HTML-escaped first, so the page holds no markup but
 * ours. Pure (no DOM, no node): unit-tested.
 */

const escapeHtml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/** Inline formatting of already-escaped text. */
function inline(escaped: string): string {
  return escaped.replace(/`([^`]+)`/g, '<code>$1</code>').replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>');
}

/** The guide's body HTML from its Markdown. */
export function markdownToHtml(markdown: string): string {
  const out: string[] = [];
  let paragraph: string[] = [];
  let list: { tag: 'ul' | 'ol'; items: string[] } | undefined;
  const flushParagraph = () => {
    if (paragraph.length) out.push(`<p>${inline(escapeHtml(paragraph.join(' ')))}</p>`);
    paragraph = [];
  };
  const flushList = () => {
    if (list) out.push(`<${list.tag}>${list.items.map((i) => `<li>${inline(escapeHtml(i))}</li>`).join('')}</${list.tag}>`);
    list = undefined;
  };
  for (const raw of markdown.replace(/\r\n?/g, '\n').split('\n')) {
    const line = raw.trimEnd();
    const heading = /^(#{1,3})\s+(.*)$/.exec(line);
    const bullet = /^[-*]\s+(.*)$/.exec(line);
    const numbered = /^\d+\.\s+(.*)$/.exec(line);
    if (heading) {
      flushParagraph();
      flushList();
      const level = heading[1]!.length;
      out.push(`<h${level}>${inline(escapeHtml(heading[2]!))}</h${level}>`);
    } else if (bullet || numbered) {
      flushParagraph();
      const tag = bullet ? 'ul' : 'ol';
      if (list && list.tag !== tag) flushList();
      list ??= { tag, items: [] };
      list.items.push((bullet ?? numbered)![1]!);
    } else if (line.trim() === '') {
      flushParagraph();
      flushList();
    } else if (list && /^\s+\S/.test(raw)) {
      // A continuation line of the last list item.
      list.items[list.items.length - 1] += ` ${line.trim()}`;
    } else {
      flushList();
      paragraph.push(line.trim());
    }
  }
  flushParagraph();
  flushList();
  return out.join('\n');
}

/** The title of the guide: its first heading. */
export function guideTitle(markdown: string): string {
  return /^#\s+(.*)$/m.exec(markdown)?.[1]?.trim() ?? 'User guide';
}

/** A complete, self-contained page (no script; light and dark like the console). */
export function renderUserGuide(markdown: string, language: string): string {
  const lang = /^[a-z]{2}$/.test(language) ? language : 'en';
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(guideTitle(markdown))}</title>
<style>
  :root { color-scheme: light dark; }
  body { font: 15px/1.55 system-ui, sans-serif; margin: 0; background: #fff; color: #1b1f24; }
  main { max-width: 46rem; margin: 0 auto; padding: 24px 20px 48px; }
  h1 { font-size: 1.6rem; } h2 { font-size: 1.2rem; margin-top: 1.8em; border-bottom: 1px solid #d0d7de; padding-bottom: 4px; }
  code { font: 0.92em ui-monospace, monospace; background: #eef1f4; padding: 0 4px; border-radius: 4px; }
  li { margin: 4px 0; }
  @media (prefers-color-scheme: dark) {
    body { background: #16191d; color: #e6e9ed; }
    h2 { border-color: #3a4048; }
    code { background: #262b31; }
  }
</style>
</head>
<body>
<main>
${markdownToHtml(markdown)}
</main>
</body>
</html>
`;
}
