export { openStore } from '../chunks/sqlite-store.js';
export type { Store, ApplyResult, ListQuery, RangeQuery } from './store.js';
