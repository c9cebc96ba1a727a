// `pnpm demo` starts here: it loads the demo's TypeScript sources in this very process (tsx's
// loader, with tsconfig.base.json mapping @brace/* to the packages' src), so there is no tsx
// parent process between the terminal and the demo. A Ctrl-C then reaches the demo itself and
// its cleanup always runs (the tsx CLI kills a child that is slow to acknowledge a signal).
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register({ tsconfig: fileURLToPath(new URL('../../tsconfig.base.json', import.meta.url)) });
await import('./src/main.ts');
