// `npm test` and `npm run demo` start here, on whatever Node the machine has (20 is enough).
// It finds or fetches the toolchain, installs the workspace, and runs the real pnpm script:
//
//   1. Node >= 22 and the pinned pnpm major: the ones in `.tools/` (git-ignored) when they are
//      there, else the machine's own; when either is missing, `npm install --prefix .tools`
//      fetches node@24 and the pinned pnpm (package.json `packageManager`) from the npm registry.
//   2. `pnpm install --frozen-lockfile` when node_modules is missing or older than the lockfile
//      and the package.json files (a stamp in node_modules records what was installed).
//   3. `pnpm run <script> [args]` with the chosen Node and pnpm first on PATH, so it works in a
//      new shell without any `export PATH`.
//
// Usage: node scripts/bootstrap.cjs <pnpm script> [args...]
// Plain CommonJS with no dependencies, so that it runs on the oldest Node a newcomer has.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const MIN_NODE = 22;
const NODE_SPEC = 'node@24';
const root = path.resolve(__dirname, '..');
const toolsBin = path.join(root, '.tools', 'node_modules', '.bin');
const rootPkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const pinnedPnpm = String(rootPkg.packageManager || '').replace(/^pnpm@/, '');
const pnpmMajor = pinnedPnpm.split('.')[0];

// Set-up output goes to stderr, so that stdout carries only the script's (e.g. `--json`).
const STDERR_ONLY = ['inherit', 2, 2];

function say(message) {
  process.stderr.write('[bootstrap] ' + message + '\n');
}
function fail(message) {
  say(message);
  process.exit(1);
}

// The environment for everything we start: npm's own variables (npm_config_*, npm_lifecycle_*)
// are npm's business and would be read by pnpm as its config, so they are dropped.
function childEnv(pathPrefix) {
  const env = {};
  for (const key of Object.keys(process.env)) {
    if (!/^npm_/i.test(key)) env[key] = process.env[key];
  }
  const pathKey = Object.keys(env).find((k) => k.toUpperCase() === 'PATH') || 'PATH';
  if (pathPrefix) env[pathKey] = pathPrefix + path.delimiter + (env[pathKey] || '');
  return env;
}

// The version a command prints for --version (with PATH prefixed), or null.
function versionOf(command, pathPrefix) {
  const r = spawnSync(command, ['--version'], { env: childEnv(pathPrefix), encoding: 'utf8' });
  if (r.status !== 0 || !r.stdout) return null;
  return r.stdout.trim().replace(/^v/, '');
}
const major = (version) => Number(String(version).split('.')[0]);
const nodeOk = (version) => version !== null && major(version) >= MIN_NODE;
const pnpmOk = (version) => version !== null && String(major(version)) === pnpmMajor;

// --- 1. Node and pnpm ------------------------------------------------------------------------
function chooseToolchain() {
  const hasTools = fs.existsSync(path.join(toolsBin, 'node'));
  if (hasTools && nodeOk(versionOf('node', toolsBin)) && pnpmOk(versionOf('pnpm', toolsBin))) {
    return toolsBin;
  }
  const ownNode = nodeOk(process.versions.node);
  const ownPnpm = pnpmOk(versionOf('pnpm', ''));
  if (ownNode && ownPnpm) return '';

  const wanted = [];
  if (!ownNode && !nodeOk(versionOf('node', toolsBin))) wanted.push(NODE_SPEC);
  if (!ownPnpm && !pnpmOk(versionOf('pnpm', toolsBin))) wanted.push('pnpm@' + pinnedPnpm);
  say(
    'Node ' +
      process.versions.node +
      (ownPnpm ? '' : ', no pnpm ' + pnpmMajor + '.x') +
      ': installing ' +
      wanted.join(' and ') +
      ' into .tools/ (once; git-ignored)',
  );
  // Through the npm that runs us (npm test / npm run demo), else the npm on PATH.
  const npmCli = process.env.npm_execpath;
  const viaNpmCli = npmCli && /npm-cli\.js$/.test(npmCli);
  const args = ['install', '--prefix', '.tools', '--no-audit', '--no-fund'];
  const r = spawnSync(
    viaNpmCli ? process.execPath : 'npm',
    viaNpmCli ? [npmCli].concat(args, wanted) : args.concat(wanted),
    {
      cwd: root,
      env: childEnv(''),
      stdio: STDERR_ONLY,
      shell: !viaNpmCli && process.platform === 'win32',
    },
  );
  if (r.status !== 0) fail('could not install ' + wanted.join(' and ') + ' with npm (see above)');
  if (!nodeOk(versionOf('node', toolsBin))) fail('.tools/ has no working Node >= ' + MIN_NODE);
  if (!pnpmOk(versionOf('pnpm', toolsBin))) fail('.tools/ has no working pnpm ' + pnpmMajor);
  return toolsBin;
}

// --- 2. node_modules ---------------------------------------------------------------------------
function workspaceManifests() {
  const files = ['package.json', 'pnpm-lock.yaml', 'pnpm-workspace.yaml'];
  for (const dir of ['packages', 'apps', 'tools']) {
    const base = path.join(root, dir);
    if (!fs.existsSync(base)) continue;
    for (const name of fs.readdirSync(base).sort()) {
      if (fs.existsSync(path.join(base, name, 'package.json'))) {
        files.push(dir + '/' + name + '/package.json');
      }
    }
  }
  if (fs.existsSync(path.join(root, 'bench', 'package.json'))) files.push('bench/package.json');
  return files;
}

function installStamp(pathPrefix) {
  const hash = crypto.createHash('sha256');
  for (const file of workspaceManifests()) {
    hash.update(file + '\0');
    const full = path.join(root, file);
    if (fs.existsSync(full)) hash.update(fs.readFileSync(full));
  }
  hash.update(
    'node ' + major(versionOf('node', pathPrefix)) + ' pnpm ' + versionOf('pnpm', pathPrefix),
  );
  return hash.digest('hex');
}

function ensureInstalled(pathPrefix) {
  const stampFile = path.join(root, 'node_modules', '.brace-install-stamp');
  const stamp = installStamp(pathPrefix);
  const installed = fs.existsSync(path.join(root, 'node_modules', '.modules.yaml'));
  if (installed && fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === stamp) return;
  say(installed ? 'the lockfile or a package.json changed: pnpm install' : 'pnpm install');
  const r = spawnSync('pnpm', ['install', '--frozen-lockfile'], {
    cwd: root,
    env: childEnv(pathPrefix),
    stdio: STDERR_ONLY,
    shell: process.platform === 'win32',
  });
  if (r.status !== 0) fail('pnpm install --frozen-lockfile failed (see above)');
  fs.writeFileSync(stampFile, stamp);
}

// --- 3. the script -----------------------------------------------------------------------------
function run(pathPrefix, script, args) {
  const silent = process.env.npm_config_loglevel === 'silent';
  const child = spawn('pnpm', (silent ? ['--silent'] : []).concat(['run', script], args), {
    cwd: process.cwd(),
    env: childEnv(pathPrefix),
    stdio: 'inherit',
    shell: process.platform === 'win32',
  });
  // Ctrl-C reaches the whole foreground group: the script handles it, we wait for its exit code.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('exit', (code, signal) => {
    if (signal) {
      const number = require('node:os').constants.signals[signal] || 1;
      process.exit(128 + number);
    }
    process.exit(code === null ? 1 : code);
  });
}

const script = process.argv[2];
if (!script) fail('usage: node scripts/bootstrap.cjs <pnpm script> [args...]');
if (!pinnedPnpm) fail('package.json has no "packageManager": "pnpm@x.y.z"');
const pathPrefix = chooseToolchain();
ensureInstalled(pathPrefix);
run(pathPrefix, script, process.argv.slice(3));
