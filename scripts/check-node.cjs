// Stops any root script at once on a Node older than the project needs.
// Plain CommonJS with no modern syntax, so that it runs (and explains) on any Node.
var required = 22;
var major = Number(process.versions.node.split('.')[0]);
if (!(major >= required)) {
  process.stderr.write(
    'Brace needs Node >= ' +
      required +
      ' (developed on Node 24 LTS); this is Node ' +
      process.versions.node +
      '.\n' +
      'Get one without touching the system Node:\n' +
      '  npm i --prefix .tools node@24 pnpm@12\n' +
      '  export PATH="$PWD/.tools/node_modules/.bin:$PATH"\n' +
      'or run `bash .ci/run`, which does this for you.\n',
  );
  process.exit(1);
}
