// echarts for the renderer: only the chart types and components the option builders of
// src/shared/charts use (line, scatter and heat map series; title, legend, grid, axis tooltip,
// visual map), drawn on canvas on screen and with the SVG renderer for SVG export.
import * as echarts from 'echarts/core';
import { HeatmapChart, LineChart, ScatterChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TitleComponent, TooltipComponent, VisualMapContinuousComponent } from 'echarts/components';
import { CanvasRenderer, SVGRenderer } from 'echarts/renderers';

echarts.use([
  LineChart,
  ScatterChart,
  HeatmapChart,
  GridComponent,
  LegendComponent,
  TitleComponent,
  TooltipComponent,
  VisualMapContinuousComponent,
  CanvasRenderer,
  SVGRenderer,
]);

export { echarts };
export type ChartInstance = ReturnType<typeof echarts.init>;
