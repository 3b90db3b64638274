/**
 * M4 downsampling: the x-range is cut into equal-width buckets and each bucket keeps its first, min, max and last point
 * (and its first non-finite point, so NaN/±Inf are never silently dropped). Real x values, x order, no duplicates.
 */
export class M4 {
  private readonly n: number;
  private readonly width: number;
  // Per bucket, indexes into the arrays below are bucket*2 (x) and bucket*2+1 (y).
  private readonly first: Float64Array;
  private readonly last: Float64Array;
  private readonly min: Float64Array;
  private readonly max: Float64Array;
  private readonly odd: Float64Array;

  constructor(readonly from: number, readonly to: number, buckets: number) {
    this.n = Math.max(1, buckets);
    this.width = (to - from) / this.n || 1;
    const make = () => new Float64Array(this.n * 2).fill(NaN);
    this.first = make();
    this.last = make();
    this.min = make();
    this.max = make();
    this.odd = make();
  }

  bucketOf(x: number): number {
    return Math.min(this.n - 1, Math.max(0, Math.floor((x - this.from) / this.width)));
  }

  /** Adds one point; points must arrive in increasing x. */
  add(x: number, y: number): void {
    const b = this.bucketOf(x) * 2;
    if (Number.isNaN(this.first[b]!)) {
      this.first[b] = x;
      this.first[b + 1] = y;
    }
    this.last[b] = x;
    this.last[b + 1] = y;
    if (!Number.isFinite(y)) {
      if (Number.isNaN(this.odd[b]!)) {
        this.odd[b] = x;
        this.odd[b + 1] = y;
      }
      return;
    }
    if (Number.isNaN(this.min[b]!) || y < this.min[b + 1]!) {
      this.min[b] = x;
      this.min[b + 1] = y;
    }
    if (Number.isNaN(this.max[b]!) || y > this.max[b + 1]!) {
      this.max[b] = x;
      this.max[b + 1] = y;
    }
  }

  /** Adds a pre-summarised block lying within one bucket (its points must all be later than anything added before). */
  addSummary(firstX: number, firstY: number, minX: number, minY: number, maxX: number, maxY: number, lastX: number, lastY: number, oddX: number, oddY: number): void {
    const pts: Array<[number, number]> = [[firstX, firstY]];
    if (!Number.isNaN(minX)) pts.push([minX, minY]);
    if (!Number.isNaN(maxX)) pts.push([maxX, maxY]);
    if (!Number.isNaN(oddX)) pts.push([oddX, oddY]);
    pts.push([lastX, lastY]);
    pts.sort((a, b) => a[0] - b[0]);
    for (const [x, y] of pts) this.addUnordered(x, y);
  }

  private addUnordered(x: number, y: number): void {
    const b = this.bucketOf(x) * 2;
    if (Number.isNaN(this.first[b]!) || x < this.first[b]!) {
      this.first[b] = x;
      this.first[b + 1] = y;
    }
    if (Number.isNaN(this.last[b]!) || x >= this.last[b]!) {
      this.last[b] = x;
      this.last[b + 1] = y;
    }
    if (!Number.isFinite(y)) {
      if (Number.isNaN(this.odd[b]!) || x < this.odd[b]!) {
        this.odd[b] = x;
        this.odd[b + 1] = y;
      }
      return;
    }
    if (Number.isNaN(this.min[b]!) || y < this.min[b + 1]!) {
      this.min[b] = x;
      this.min[b + 1] = y;
    }
    if (Number.isNaN(this.max[b]!) || y > this.max[b + 1]!) {
      this.max[b] = x;
      this.max[b + 1] = y;
    }
  }

  result(): { x: number[]; y: number[] } {
    const x: number[] = [];
    const y: number[] = [];
    const pick: Array<[number, number]> = [];
    for (let b = 0; b < this.n * 2; b += 2) {
      if (Number.isNaN(this.first[b]!)) continue;
      pick.length = 0;
      for (const arr of [this.first, this.min, this.max, this.odd, this.last]) {
        if (!Number.isNaN(arr[b]!)) pick.push([arr[b]!, arr[b + 1]!]);
      }
      pick.sort((p, q) => p[0] - q[0]);
      for (const [px, py] of pick) {
        if (x.length > 0 && x[x.length - 1] === px) continue;
        x.push(px);
        y.push(py);
      }
    }
    return { x, y };
  }
}
