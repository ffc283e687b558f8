// A learning curve that grows one epoch at a time: uPlot draws at most maxPoints points, whatever the epochs.
import uPlot from '../../webjars/uplot/dist/uPlot.esm.js';

const COLOURS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728'];

/**
 * Keeps every point, but shows every stride-th one plus the latest: when the shown points pass maxPoints the
 * stride doubles (and the shown points halve). Appends cost O(1) on average, and redraws wait for the next
 * animation frame, so a burst of events (a replay of thousands of epochs) draws once.
 */
export class CurveChart {
  constructor(parent, { title, labels, yLabel, maxPoints = 600 }) {
    this.parent = parent;
    this.maxPoints = maxPoints;
    this.all = [[], ...labels.map(() => [])];
    this.shown = [[], ...labels.map(() => [])];
    this.stride = 1;
    this.tailOffGrid = false; // the last shown point is the latest, not on the stride's grid
    this.frame = 0;
    this.plot = new uPlot({
      title,
      width: this.width(),
      height: 260,
      scales: { x: { time: false } },
      axes: [{ label: 'epoch' }, { label: yLabel }],
      series: [{ label: 'epoch' },
        ...labels.map((label, i) => ({ label, stroke: COLOURS[i % COLOURS.length], width: 2, spanGaps: true }))],
    }, this.shown, parent);
    this.resize = new ResizeObserver(() => this.plot.setSize({ width: this.width(), height: 260 }));
    this.resize.observe(parent);
  }

  width() {
    return Math.max(300, this.parent.clientWidth - 8);
  }

  /** Adds the point (x, ys[0], ys[1], ...); x grows from call to call. */
  append(x, ys) {
    const index = this.all[0].length;
    this.all[0].push(x);
    ys.forEach((y, i) => this.all[i + 1].push(y ?? null));
    if (this.tailOffGrid) this.shown.forEach((column) => column.pop());
    this.shown.forEach((column, i) => column.push(this.all[i][index]));
    this.tailOffGrid = index % this.stride !== 0;
    if (this.shown[0].length > this.maxPoints) this.thin();
    this.parent.dataset.points = String(index + 1);
    this.parent.dataset.shown = String(this.shown[0].length);
    this.frame ||= requestAnimationFrame(() => {
      this.frame = 0;
      this.plot.setData(this.shown);
    });
  }

  /** Doubles the stride: keeps every stride-th point of all, and the latest. */
  thin() {
    this.stride *= 2;
    const last = this.all[0].length - 1;
    this.shown.forEach((column, i) => {
      column.length = 0;
      for (let j = 0; j <= last; j += this.stride) column.push(this.all[i][j]);
    });
    this.tailOffGrid = last % this.stride !== 0;
    if (this.tailOffGrid) this.shown.forEach((column, i) => column.push(this.all[i][last]));
  }

  get points() {
    return this.all[0].length;
  }

  destroy() {
    cancelAnimationFrame(this.frame);
    this.resize.disconnect();
    this.plot.destroy();
  }
}
