export * from './types.js';
export * from './stream.js';
export * from './numbers.js';
export * from './limits.js';
export * from './validate.js';
export * from './summary-keys.js';
export * from "./sse-parser.js";
export * from "./summary.js";
