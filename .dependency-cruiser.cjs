/** Dependencies flow one way (DESIGN.md): protocol ← server, ui, cli; the UI never imports the server. */
module.exports = {
  forbidden: [
    {
      name: 'protocol-has-no-deps',
      comment: 'protocol is types and schemas only: it imports no other Witness package',
      severity: 'error',
      from: { path: '^packages/protocol' },
      to: { path: '^packages/(server|ui|cli|sdk)|@witness/(server|ui|cli|sdk)' },
    },
    {
      name: 'ui-never-imports-server',
      severity: 'error',
      from: { path: '^packages/ui' },
      to: { path: '^packages/(server|cli)|@witness/(server|cli)' },
    },
    {
      name: 'server-does-not-import-cli-or-ui',
      severity: 'error',
      from: { path: '^packages/server' },
      to: { path: '^packages/(cli|ui)/|@witness/(cli|ui)' },
    },
    {
      name: 'sdk-stands-alone',
      comment: 'the SDK ships to users apps: it must not pull the server in',
      severity: 'error',
      from: { path: '^packages/sdk' },
      to: { path: '^packages/(server|cli|ui)|@witness/(server|cli|ui)' },
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
    exclude: { path: '(^|/)(dist|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
  },
};
