/**
 * The About dialog's lines (issue 13 item 9): what main reports (`app.about`) plus what only the page knows (the
 * Svelte it was built with, the browser under the web host), as label/value rows shown in the dialog and copied as
 * plain text for support. Pure: unit-tested.
 */
import type { AboutView, ComponentVersionView } from '../../../electron/contract';

export interface AboutRow {
  readonly label: string;
  readonly value: string;
}

export interface AboutPage {
  /** The Svelte version of this bundle (vite `define`). */
  readonly svelte: string;
  /** navigator.userAgent: under the web host the browser is the renderer. */
  readonly userAgent: string;
}

type T = (key: string, params?: Readonly<Record<string, string | number>>) => string;

/** Main's components, then the renderer's own: Svelte, and the browser when the web host serves the page. */
export function aboutComponents(view: AboutView, page: AboutPage): ComponentVersionView[] {
  return [...view.components, { name: 'Svelte', version: page.svelte }];
}

export function aboutRows(view: AboutView, page: AboutPage, t: T): AboutRow[] {
  const a = view.account;
  const rows: AboutRow[] = [
    { label: t('about.version'), value: `${view.product} ${view.version}` },
    { label: t('about.runsAs'), value: t(`about.host.${view.host}`) },
    { label: t('about.account'), value: a ? `${a.user}@${a.server}${a.displayName ? ` (${a.displayName})` : ''}` : t('about.noAccount') },
  ];
  if (a) {
    rows.push(
      { label: t('about.serverInUse'), value: view.serverInUse ?? '—' },
      { label: t('about.transport'), value: `${a.transport.toUpperCase()} ${a.server}:${a.port}` },
      { label: t('about.media'), value: t(`about.media.${a.media}`) },
    );
  }
  rows.push({ label: t('about.registration'), value: t(`about.registration.${view.registration}`) });
  for (const c of aboutComponents(view, page)) rows.push({ label: c.name, value: c.version });
  if (view.host === 'web') rows.push({ label: t('about.browser'), value: page.userAgent });
  rows.push(
    { label: t('about.dataDirectory'), value: view.dataDirectory ?? t('about.noDataDirectory') },
    { label: t('about.system'), value: view.platform },
  );
  return rows;
}

/** The text "Copy" puts on the clipboard. */
export function aboutText(heading: string, rows: readonly AboutRow[]): string {
  return [heading, ...rows.map((r) => `${r.label}: ${r.value}`)].join('\n') + '\n';
}
