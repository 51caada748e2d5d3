// Row heights for the virtualized message list: a Fenwick (binary indexed) tree gives the
// offset of any row and the row at any offset in O(log n), and updates a height in O(log n),
// so a 100,000-row history costs nothing per scroll frame.
export class HeightTree {
  private tree: Float64Array;
  private heights: Float64Array;
  private n = 0;
  private top = 1;

  constructor(heights: ArrayLike<number> = []) {
    this.tree = new Float64Array(1);
    this.heights = new Float64Array(0);
    this.reset(heights);
  }

  /** Rebuilds from scratch in O(n). */
  reset(heights: ArrayLike<number>): void {
    const n = heights.length;
    this.n = n;
    this.heights = Float64Array.from(heights);
    const tree = new Float64Array(n + 1);
    for (let i = 1; i <= n; i++) {
      tree[i] += heights[i - 1];
      const j = i + (i & -i);
      if (j <= n) tree[j] += tree[i];
    }
    this.tree = tree;
    let top = 1;
    while (top * 2 <= n) top *= 2;
    this.top = top;
  }

  get length(): number {
    return this.n;
  }

  height(i: number): number {
    return this.heights[i];
  }

  /** Sets row `i`'s height; returns the change. */
  set(i: number, h: number): number {
    const delta = h - this.heights[i];
    if (delta === 0) return 0;
    this.heights[i] = h;
    for (let j = i + 1; j <= this.n; j += j & -j) this.tree[j] += delta;
    return delta;
  }

  /** Sum of the heights of rows [0, i). */
  offset(i: number): number {
    let s = 0;
    for (let j = Math.min(i, this.n); j > 0; j -= j & -j) s += this.tree[j];
    return s;
  }

  total(): number {
    return this.offset(this.n);
  }

  /** The row that holds pixel `y` (clamped to [0, n-1]); 0 for an empty tree. */
  indexAt(y: number): number {
    if (this.n === 0 || y <= 0) return 0;
    let pos = 0;
    let rem = y;
    for (let step = this.top; step > 0; step >>= 1) {
      const next = pos + step;
      if (next <= this.n && this.tree[next] <= rem) {
        pos = next;
        rem -= this.tree[next];
      }
    }
    return Math.min(pos, this.n - 1);
  }
}
