/** Text widths in CSS pixels for a canvas font (axis labels), from one shared offscreen canvas; cached per font and text. */
const cache = new Map<string, number>();
let ctx: CanvasRenderingContext2D | null = null;

export function measureText(font: string): (text: string) => number {
  return (text) => {
    const key = `${font}\u0000${text}`;
    let w = cache.get(key);
    if (w === undefined) {
      ctx ??= document.createElement('canvas').getContext('2d');
      if (!ctx) return text.length * 6.6;
      ctx.font = font;
      w = ctx.measureText(text).width;
      if (cache.size > 5000) cache.clear();
      cache.set(key, w);
    }
    return w;
  };
}
