// Dependency direction (ARCHITECTURE.md), enforced in CI by `npm run lint`.
// Paths may be prefixed by tests/lint-samples/ so tests/unit/layering.test.ts can prove each rule bites.
const P = '^(tests/lint-samples/)?';
module.exports = {
  forbidden: [
    {
      name: 'sip-core-is-standalone',
      comment: 'sip-core never imports electron/, renderer/ or hid/',
      severity: 'error',
      from: { path: `${P}sip-core/` },
      to: { path: `${P}(electron|renderer|hid)/` },
    },
    {
      name: 'hid-is-standalone',
      comment: 'hid never imports electron/, renderer/ or sip-core/',
      severity: 'error',
      from: { path: `${P}hid/` },
      to: { path: `${P}(electron|renderer|sip-core)/` },
    },
    {
      name: 'pbx-is-standalone',
      comment: 'pbx (PBX management APIs: queues over AMI…) never imports electron/, renderer/, sip-core/ or hid/',
      severity: 'error',
      from: { path: `${P}pbx/` },
      to: { path: `${P}(electron|renderer|sip-core|hid)/` },
    },
    {
      name: 'only-sipjs-adapter-imports-sipjs',
      severity: 'error',
      from: { pathNot: `${P}sip-core/adapters/sipjs/` },
      to: { path: 'node_modules/sip\\.js/' },
    },
    {
      name: 'only-hid-device-imports-node-hid',
      severity: 'error',
      from: { pathNot: `${P}hid/device/` },
      to: { path: 'node_modules/node-hid/' },
    },
    {
      name: 'only-ldap-source-imports-ldapts',
      comment:
        'issue 14: the LDAP client is loaded by ldap-source.ts alone, on first use (a full sync: in the storage worker); the console names LDAP failures through ldap-failure.ts',
      severity: 'error',
      from: { pathNot: `${P}electron/services/directory/ldap-source\\.ts$` },
      to: { path: 'node_modules/ldapts/' },
    },
    {
      name: 'contract-is-pure',
      comment: 'electron/contract is pure TS: no node, no electron, no other project folder (zod only)',
      severity: 'error',
      from: { path: `${P}electron/contract/` },
      to: { pathNot: [`${P}electron/contract/`, 'node_modules/zod/'] },
    },
    {
      name: 'renderer-sees-only-the-contract',
      severity: 'error',
      from: { path: `${P}renderer/` },
      to: { path: `${P}(electron/(?!contract/)|sip-core/|hid/)` },
    },
    {
      name: 'renderer-no-node',
      comment: 'renderer code runs in the sandboxed page (vite.config.ts is build tooling and runs in node)',
      severity: 'error',
      from: { path: `${P}renderer/`, pathNot: `${P}renderer/vite\\.config\\.ts$` },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'services-not-shell',
      comment: 'services/storage are host-agnostic: no electron package, no main/, preload/ or web-host/',
      severity: 'error',
      from: { path: `${P}electron/(services|storage)/` },
      to: { path: [`${P}electron/(main|preload|web-host)/`, 'node_modules/electron/'] },
    },
    {
      name: 'web-host-not-electron',
      severity: 'error',
      from: { path: `${P}electron/web-host/` },
      to: { path: [`${P}electron/(main|preload)/`, 'node_modules/electron/'] },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Our build output, not a package's own dist/ (ldapts resolves to node_modules/ldapts/dist/: the rule must see it).
    exclude: { path: '^(tests/lint-samples/)?(dist|tests/testbed/asterisk/root)/' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js', '.mjs', '.cjs', '.svelte', '.json'] },
  },
};
