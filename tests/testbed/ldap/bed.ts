/**
 * The LDAP test bed as a company directory setting (start.sh: OpenLDAP slapd on 127.0.0.1:3389, 1,200 generated
 * people under ou=people). Plain data: the E2E suites put it in a provisioning file, the others parse it
 * (LdapConfigSchema) themselves.
 */
export const LDAP_BED = {
  url: 'ldap://127.0.0.1:3389',
  bindDN: 'cn=admin,dc=example,dc=com',
  bindPassword: 'secret',
  base: 'ou=people,dc=example,dc=com',
  filter: '(objectClass=inetOrgPerson)',
  refreshMinutes: 0,
  timeoutMs: 3000,
} as const;
