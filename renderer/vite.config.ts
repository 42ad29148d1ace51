import { defineConfig, type Plugin } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderUserGuide } from './help/user-guide';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = fileURLToPath(new URL('..', import.meta.url));

/** The bundled user guide (issue 13 item 9): docs/user-guide.md, .fr.md and .nl.md → help/user-guide.<lang>.html. */
function userGuide(): Plugin {
  // One per USER_GUIDE_LANGUAGES (electron/contract/app-info.ts; tests/unit/app-info.test.ts checks they match).
  const sources = { en: 'docs/user-guide.md', fr: 'docs/user-guide.fr.md', nl: 'docs/user-guide.nl.md' } as const;
  return {
    name: 'rc-user-guide',
    generateBundle() {
      for (const [lang, file] of Object.entries(sources)) {
        this.emitFile({ type: 'asset', fileName: `help/user-guide.${lang}.html`, source: renderUserGuide(readFileSync(root + file, 'utf8'), lang) });
      }
    },
  };
}

/** The Svelte the renderer is built with, from its own package.json (the About dialog shows it). */
const svelteVersion = (JSON.parse(readFileSync(root + 'node_modules/svelte/package.json', 'utf8')) as { version: string }).version;

export default defineConfig({
  root: here,
  // Relative asset URLs: the same build loads from file:// (Electron) and http:// (web host).
  base: './',
  plugins: [svelte(), userGuide()],
  define: { __SVELTE_VERSION__: JSON.stringify(svelteVersion) },
  build: {
    outDir: fileURLToPath(new URL('../dist/renderer', import.meta.url)),
    emptyOutDir: true,
    target: 'chrome120',
    sourcemap: true,
  },
});
