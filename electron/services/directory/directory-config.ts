/**
 * The `directories` section of the provisioning file (docs/provisioning.md): default country for reading national
 * numbers, the company LDAP directory, and the queues the receptionist serves. Strict: a typo is an error.
 */
import { z } from 'zod';

const attr = z.string().min(1).max(64).regex(/^[A-Za-z][A-Za-z0-9-]*$/, 'must be an LDAP attribute name');

export const LdapConfigSchema = z.strictObject({
  /** `ldap://host:389` or `ldaps://host:636`. */
  url: z.string().max(512).regex(/^ldaps?:\/\/[^\s/]+\/?$/, 'must be ldap://host[:port] or ldaps://host[:port]'),
  bindDN: z.string().max(512).optional(),
  bindPassword: z.string().max(256).optional(),
  base: z.string().min(1).max(512),
  /** An RFC 4515 filter chosen by the administrator (not user input). */
  filter: z.string().min(3).max(1024).regex(/^\(.*\)$/s, 'must be an LDAP filter in parentheses').default('(objectClass=person)'),
  scope: z.enum(['base', 'one', 'sub']).default('sub'),
  /** Upgrade an ldap:// connection with StartTLS before binding. */
  startTLS: z.boolean().default(false),
  /** Verify the server certificate (ldaps/StartTLS). Only turn off for a test server. */
  tlsVerify: z.boolean().default(true),
  /** PEM file of the CA that signed the LDAP server certificate. */
  caFile: z.string().max(1024).optional(),
  /** Minutes between refreshes of the local copy (0: only at start and on demand). */
  refreshMinutes: z.number().int().min(0).max(24 * 60).default(60),
  /**
   * A refresh that brings no entry, or fewer than this share of a local copy of 20 entries or more, is not applied:
   * the copy is kept and the problem reported. 0 applies every result (after deliberately narrowing the filter).
   */
  minRefreshRatio: z.number().min(0).max(1).default(0.5),
  timeoutMs: z.number().int().min(500).max(120_000).default(10_000),
  sizeLimit: z.number().int().min(0).max(1_000_000).default(0),
  /** Which LDAP attribute fills which contact field. */
  attributes: z
    .strictObject({
      id: attr.default('entryUUID'),
      name: attr.default('cn'),
      firstName: attr.default('givenName'),
      lastName: attr.default('sn'),
      company: attr.default('o'),
      department: attr.default('ou'),
      title: attr.default('title'),
      work: attr.default('telephoneNumber'),
      mobile: attr.default('mobile'),
      home: attr.default('homePhone'),
      extension: attr.optional(),
      email: attr.default('mail'),
    })
    .prefault({}),
});
export type LdapConfig = z.output<typeof LdapConfigSchema>;

export const DirectoriesConfigSchema = z.strictObject({
  /** ISO 3166 country used to read national numbers ("01 23 45 67 89" in FR). */
  defaultCountry: z.string().regex(/^[A-Z]{2}$/, 'must be a two-letter country code such as FR').default('FR'),
  ldap: LdapConfigSchema.optional(),
  queues: z
    .array(z.strictObject({ name: z.string().min(1).max(128), number: z.string().min(1).max(64) }))
    .max(64)
    .default([]),
});
export type DirectoriesConfig = z.output<typeof DirectoriesConfigSchema>;
