/**
 * "Delete all data" (issue 13 item 9): contacts, call history, settings (with the stored SIP password, protected by
 * the keychain codec inside settings.json) and the account. All or nothing, in two phases:
 *
 * 1. prepare, in order: each part makes its erasure ready but revocable (the database deletes everything inside an
 *    open transaction; the settings file is renamed aside). A prepare that fails rolls back the parts already
 *    prepared, in reverse order: nothing is deleted.
 * 2. commit, in order. The first commit is the only one that can realistically fail (the database's COMMIT, e.g. a
 *    full disk): it goes first, and its failure rolls everything back too. Later commits only remove what is already
 *    out of the console's reach (the renamed settings file); one failing there is reported with what is left.
 */
import * as fs from 'node:fs';

/** One store of the receptionist's data. */
export interface ErasablePart {
  /** For the log and the error text (`data.erase.part.<name>`). */
  readonly name: 'contacts' | 'settings';
  prepare(): Promise<PreparedErasure>;
}

export interface PreparedErasure {
  commit(): Promise<void>;
  rollback(): Promise<void>;
}

export type ErasureOutcome =
  | { readonly ok: true }
  /** Nothing was deleted (`part` failed to prepare or to commit first; the others were put back). */
  | { readonly ok: false; readonly kept: true; readonly part: ErasablePart['name']; readonly detail: string }
  /** The data is erased, but `part` could not finish cleaning up (e.g. a renamed file could not be removed). */
  | { readonly ok: false; readonly kept: false; readonly part: ErasablePart['name']; readonly detail: string };

const detailOf = (e: unknown): string => {
  const err = e as NodeJS.ErrnoException;
  return (typeof err?.code === 'string' ? `${err.code}: ` : '') + (e instanceof Error ? e.message : String(e));
};

async function rollbackAll(prepared: readonly PreparedErasure[], log: (m: string) => void): Promise<void> {
  for (const p of [...prepared].reverse()) {
    await p.rollback().catch((e: unknown) => log(`delete all data: rollback failed: ${detailOf(e)}`));
  }
}

/** Runs the two phases over `parts` (see the file comment). Never throws. */
export async function eraseAll(parts: readonly ErasablePart[], log: (message: string) => void = () => undefined): Promise<ErasureOutcome> {
  const prepared: PreparedErasure[] = [];
  for (const part of parts) {
    try {
      prepared.push(await part.prepare());
    } catch (e) {
      log(`delete all data: ${part.name} could not be prepared (${detailOf(e)}); nothing was deleted`);
      await rollbackAll(prepared, log);
      return { ok: false, kept: true, part: part.name, detail: detailOf(e) };
    }
  }
  for (let i = 0; i < prepared.length; i++) {
    try {
      await prepared[i]!.commit();
    } catch (e) {
      const part = parts[i]!.name;
      if (i === 0) {
        log(`delete all data: ${part} could not be committed (${detailOf(e)}); nothing was deleted`);
        await rollbackAll(prepared.slice(1), log);
        return { ok: false, kept: true, part, detail: detailOf(e) };
      }
      log(`delete all data: ${part} could not finish (${detailOf(e)})`);
      return { ok: false, kept: false, part, detail: detailOf(e) };
    }
  }
  return { ok: true };
}

/** The file operations the settings part uses (node:fs); tests inject faults here. */
export interface EraseFileOps {
  renameSync(from: string, to: string): void;
  unlinkSync(path: string): void;
  existsSync(path: string): boolean;
}
const nodeOps: EraseFileOps = { renameSync: fs.renameSync, unlinkSync: fs.unlinkSync, existsSync: fs.existsSync };

/**
 * settings.json (accounts with the SIP password, preferences, favorites, PBX secret…): renamed aside when prepared
 * (the console no longer finds it, and it can be put back), removed at commit. No file: nothing to do.
 */
export function settingsFilePart(file: string, ops: EraseFileOps = nodeOps, now: () => number = Date.now): ErasablePart {
  return {
    name: 'settings',
    async prepare() {
      if (!ops.existsSync(file)) return { commit: async () => undefined, rollback: async () => undefined };
      const aside = `${file}.erasing-${now()}`;
      ops.renameSync(file, aside);
      return {
        commit: async () => ops.unlinkSync(aside),
        rollback: async () => ops.renameSync(aside, file),
      };
    },
  };
}
