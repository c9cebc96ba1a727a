export { SimulatorAssertionError, SimulatorOptionsError } from './errors.js';
export { type Random, seededRandom } from './random.js';
export { type RunningServer, serveFetch } from './serve.js';
