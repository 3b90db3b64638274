/** Smoothing lives in protocol/smoothing.ts (the server smooths long series from every stored point with the same code). */
export * from '../../protocol/smoothing.js';
