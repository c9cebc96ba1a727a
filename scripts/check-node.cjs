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
      'Run `npm test` or `npm run demo` instead: they fetch Node 24 and pnpm into .tools/\n' +
      '(without touching the system Node) and run the script with them. For other scripts:\n' +
      '  export PATH="$PWD/.tools/node_modules/.bin:$PATH"\n',
  );
  process.exit(1);
}
