import type uPlot from 'uplot';
import { drawnLines } from './line-layer.js';

/** What the PNG shows around the chart: its title and a legend of the shown lines. */
export interface PngFrame {
  title: string;
  legend: Array<{ label: string; color: string }>;
  background: string;
  text: string;
  font: string;
}

/** Device pixel ratio of exported images. */
export const PNG_PIXEL_RATIO = 2;

/**
 * The panel as drawn, at PNG_PIXEL_RATIO: the title above the chart (its canvas, and its lines from the line layer)
 * and a legend below it. The canvases are copied at their own resolution scaled to the export's (sharp when the page's
 * devicePixelRatio is 2).
 */
export async function panelPng(u: uPlot, f: PngFrame): Promise<Blob> {
  const lines = await drawnLines(u);
  const r = PNG_PIXEL_RATIO;
  const width = u.width;
  const titleH = 28;
  const rowH = 18;
  // Legend entries flow in rows across the width.
  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d')!;
  ctx.font = f.font;
  const placed: Array<{ x: number; row: number; label: string; color: string }> = [];
  let x = 8;
  let row = 0;
  for (const item of f.legend) {
    const w = 18 + ctx.measureText(item.label).width + 16;
    if (x + w > width && x > 8) {
      x = 8;
      row++;
    }
    placed.push({ x, row, ...item });
    x += w;
  }
  const legendH = f.legend.length > 0 ? (row + 1) * rowH + 8 : 0;
  const height = titleH + u.height + legendH;
  canvas.width = width * r;
  canvas.height = height * r;
  ctx.scale(r, r);
  ctx.fillStyle = f.background;
  ctx.fillRect(0, 0, width, height);
  ctx.fillStyle = f.text;
  ctx.textBaseline = 'middle';
  ctx.font = `600 ${f.font.replace(/^\s*\d+(\.\d+)?px/, '14px')}`;
  ctx.fillText(f.title, 8, titleH / 2);
  ctx.drawImage(u.ctx.canvas, 0, titleH, width, u.height);
  if (lines) {
    const dpr = u.ctx.canvas.width / Math.max(1, u.width);
    const m = lines.margin;
    ctx.drawImage(lines.image, (u.bbox.left - m) / dpr, titleH + (u.bbox.top - m) / dpr, (Math.round(u.bbox.width) + 2 * m) / dpr, (Math.round(u.bbox.height) + 2 * m) / dpr);
  }
  ctx.font = f.font;
  for (const p of placed) {
    const y = titleH + u.height + 4 + p.row * rowH + rowH / 2;
    ctx.fillStyle = p.color;
    ctx.fillRect(p.x, y - 1.5, 12, 3);
    ctx.fillStyle = f.text;
    ctx.fillText(p.label, p.x + 18, y);
  }
  return new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('PNG export failed'))), 'image/png'));
}

/** Saves `blob` (or a URL) under `name` through a temporary link. */
export function saveAs(what: Blob | string, name: string): void {
  const href = typeof what === 'string' ? what : URL.createObjectURL(what);
  const a = document.createElement('a');
  a.href = href;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  if (typeof what !== 'string') setTimeout(() => URL.revokeObjectURL(href), 10_000);
}
