/// <reference types="vite/client" />

/** The Svelte version the renderer was built with (renderer/vite.config.ts `define`, read from svelte's package.json). */
declare const __SVELTE_VERSION__: string;
