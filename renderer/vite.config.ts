import { defineConfig, type Plugin } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { readFileSync } from 'node:fs';
import MagicString from 'magic-string';
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

/**
 * issue 14: zod out of the renderer's start-up bundle. The contract modules (electron/contract/*.ts) hold zod schemas
 * — main's validation of everything the renderer sends — beside the types, constants and small pure helpers the
 * renderer uses. Building a schema has no effect besides its value, so in the renderer build every top-level
 * initializer of a contract module is marked pure and the modules have no side effects of their own: a schema (or
 * contract.ts's command table) that the renderer does not use is dropped with everything of zod it would need.
 * The Settings forms that check input with a schema before sending are loaded on demand and bring zod with them.
 * tests/bench/renderer-bench.ts measures the start.
 */
function contractWithoutSideEffects(): Plugin[] {
  const contractModule = /[\\/]electron[\\/]contract[\\/][^\\/?]+\.ts(\?rc-schemas)?$/;
  // The Settings forms check input with a schema of a contract module the panes also use (for a constant): those
  // forms get their own copy of the module (same file, another id), so the schema and zod go with them into the
  // chunk loaded on demand. Its imports of contract modules are copies too.
  const formModule = /[\\/]renderer[\\/]lib[\\/]state[\\/](account-form|pbx-form|services-patch)\.ts$/;
  const kept = new Set(['Literal', 'Identifier', 'ArrowFunctionExpression', 'FunctionExpression']);
  const copies: Plugin = {
    name: 'rc-contract-schema-copies',
    enforce: 'pre',
    async resolveId(source, importer) {
      const copy = importer?.endsWith('?rc-schemas') ? source.startsWith('.') : importer !== undefined && formModule.test(importer) && /electron\/contract/.test(source);
      if (!copy) return null;
      const resolved = await this.resolve(source, importer, { skipSelf: true });
      return resolved && !resolved.external ? `${resolved.id}?rc-schemas` : null;
    },
  };
  const pure: Plugin = {
    name: 'rc-contract-side-effects',
    transform(code, id) {
      if (!contractModule.test(id)) return undefined;
      const s = new MagicString(code);
      for (const node of this.parse(code).body) {
        const declaration = node.type === 'ExportNamedDeclaration' ? node.declaration : node;
        if (declaration?.type !== 'VariableDeclaration') continue;
        for (const d of declaration.declarations) {
          if (!d.init || kept.has(d.init.type)) continue;
          s.appendLeft(d.init.start, '/* @__PURE__ */ (() => (').prependRight(d.init.end, '))()');
        }
      }
      return { code: s.toString(), map: s.generateMap({ hires: true, source: id }), moduleSideEffects: false };
    },
  };
  return [copies, pure];
}

/** The Svelte the renderer is built with, from its own package.json (the About dialog shows it). */
const svelteVersion = (JSON.parse(readFileSync(root + 'node_modules/svelte/package.json', 'utf8')) as { version: string }).version;

export default defineConfig({
  root: here,
  // Relative asset URLs: the same build loads from file:// (Electron) and http:// (web host).
  base: './',
  plugins: [svelte(), userGuide(), ...contractWithoutSideEffects()],
  define: { __SVELTE_VERSION__: JSON.stringify(svelteVersion) },
  build: {
    outDir: fileURLToPath(new URL('../dist/renderer', import.meta.url)),
    emptyOutDir: true,
    target: 'chrome120',
    sourcemap: true,
  },
});
