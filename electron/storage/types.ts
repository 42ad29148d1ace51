/** Our own contact DTOs: plain data, free of sqlite rows and of Outlook/vCard shapes. */

export const DIRECTORY_KINDS = ['personal', 'company', 'outlook', 'speed-dial', 'custom'] as const;
export type DirectoryKind = (typeof DIRECTORY_KINDS)[number];

export interface Directory {
  readonly id: number;
  readonly kind: DirectoryKind;
  readonly name: string;
  /** Lower wins when two directories know the same number. */
  readonly priority: number;
}

export const PHONE_TYPES = ['work', 'mobile', 'home', 'fax', 'pager', 'main', 'extension', 'other'] as const;
export type PhoneType = (typeof PHONE_TYPES)[number];

export interface PhoneInput {
  readonly type: PhoneType;
  readonly number: string;
}
export interface Phone extends PhoneInput {
  readonly e164: string | null;
}

export interface ContactInput {
  /** Stable id in the source (vCard UID, LDAP DN…); re-imports update the contact that has it. */
  readonly sourceId?: string | null;
  /** Display name; derived from first/last/company when empty. */
  readonly name?: string;
  readonly firstName?: string;
  readonly lastName?: string;
  readonly company?: string;
  readonly department?: string;
  readonly title?: string;
  readonly notes?: string;
  readonly favorite?: boolean;
  readonly phones?: readonly PhoneInput[];
  readonly emails?: readonly string[];
}

export interface Contact {
  readonly id: number;
  readonly directoryId: number;
  readonly sourceId: string | null;
  readonly name: string;
  readonly firstName: string;
  readonly lastName: string;
  readonly company: string;
  readonly department: string;
  readonly title: string;
  readonly notes: string;
  readonly favorite: boolean;
  readonly phones: readonly Phone[];
  readonly emails: readonly string[];
  readonly createdAt: number;
  readonly updatedAt: number;
}
