/**
 * Drag-and-drop onto the console window (ContactsPane listens on the window): a vCard or CSV file starts the usual
 * import — upload, preview, then the receptionist commits it — instead of the browser navigating to the file (which,
 * in Electron, the shell refuses anyway). Plain functions, unit-tested.
 */
/** What a drop may import: vCard and CSV (Outlook's export) by name or by type. */
const IMPORTABLE_NAME = /\.(vcf|vcard|csv)$/i;
const IMPORTABLE_TYPE = new Set(['text/vcard', 'text/x-vcard', 'text/directory', 'text/csv', 'application/vnd.ms-excel']);

export interface DroppedFile {
  readonly name: string;
  readonly type: string;
  readonly size: number;
}

export function importableFile(file: DroppedFile): boolean {
  return file.size > 0 && (IMPORTABLE_NAME.test(file.name) || (file.name.indexOf('.') < 0 && IMPORTABLE_TYPE.has(file.type.toLowerCase())));
}

export type DropDecision =
  /** Import files[index] into the import panel of `tab` (the Outlook tab unless the Personal tab is open). */
  | { readonly action: 'import'; readonly index: number; readonly tab: 'outlook' | 'personal'; readonly replacePreview: boolean }
  /** Nothing to import (no file, not a vCard/CSV, or an import is being uploaded/written right now). */
  | { readonly action: 'ignore' };

/**
 * The first vCard/CSV among the dropped files is imported; a preview not yet committed is replaced; a drop while a
 * file is uploading or being imported is ignored (one import at a time).
 */
export function dropDecision(files: readonly DroppedFile[], state: { tab: string; importStep: string }): DropDecision {
  if (state.importStep === 'uploading' || state.importStep === 'importing') return { action: 'ignore' };
  const index = files.findIndex(importableFile);
  if (index < 0) return { action: 'ignore' };
  return { action: 'import', index, tab: state.tab === 'personal' ? 'personal' : 'outlook', replacePreview: state.importStep === 'preview' };
}

/**
 * Whether the page takes a drag over `target` (dragover/drop preventDefault): files always (never opened by the
 * browser); anything else too, except over a text field, where dropping text keeps working.
 */
export function takesDrag(types: readonly string[], target: { readonly editable: boolean }): boolean {
  return types.includes('Files') || !target.editable;
}
