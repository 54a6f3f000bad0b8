export { Limiter } from './limiter.js';
export { mapLimit } from './map-limit.js';
