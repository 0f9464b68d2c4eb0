package org.infopro.spark.report;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.Styler;

import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The report's plots, drawn by XChart into PNG bytes: line charts over an integer axis (epochs, module positions) and
 * bar charts over named categories (stages, modules, executors). Each takes its data already gathered, so callers
 * decide what is absent before anything is drawn.
 */
final class ReportCharts {
    static final int WIDTH = 720;
    static final int HEIGHT = 400;
    /** Up to this many distinct x values each get a label; more get XChart's own evenly spaced ticks. */
    static final int MAX_LABELLED_X = 25;

    /** A named line of (x, y) points; x values are integers (epochs, module numbers). */
    record Line(String name, List<double[]> points) {
    }

    /** A named bar series over the chart's categories, one value each. */
    record Bars(String name, List<Double> values) {
    }

    static {
        // drivers run on servers without a display; AWT must not look for one
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private ReportCharts() {
    }

    /** A line chart over an integer x axis, one line per series (markers on, as a run may have one epoch only). */
    static byte[] lines(String title, String xTitle, String yTitle, List<Line> lines) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        style(chart.getStyler());
        chart.getStyler().setMarkerSize(7);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        Set<Double> xs = new TreeSet<>();
        for (Line l : lines) {
            double[] x = new double[l.points().size()], y = new double[l.points().size()];
            for (int i = 0; i < x.length; i++) {
                x[i] = l.points().get(i)[0];
                y[i] = l.points().get(i)[1];
                xs.add(x[i]);
            }
            chart.addSeries(l.name(), x, y);
        }
        if (xs.size() <= MAX_LABELLED_X) {
            // with a formatting function XChart labels the data's x values: the epochs or modules that exist, no 1.5
            chart.getStyler().setxAxisTickLabelsFormattingFunction(v -> String.format(Locale.ROOT, "%d", Math.round(v)));
        } else {
            chart.getStyler().setXAxisDecimalPattern("#,##0");
        }
        return png(chart);
    }

    /** A bar chart: one group of bars per category, one bar per series. */
    static byte[] bars(String title, String xTitle, String yTitle, List<String> categories, List<Bars> series) {
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle)
                .build();
        style(chart.getStyler());
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        chart.getStyler().setXAxisLabelRotation(categories.size() > 4 ? 30 : 0);
        chart.getStyler().setYAxisMin(0.0);
        for (Bars b : series) {
            chart.addSeries(b.name(), categories, b.values());
        }
        return png(chart);
    }

    /** The one look of every plot: white, a light grid, the default palette. */
    private static void style(AxesChartStyler s) {
        s.setChartBackgroundColor(Color.WHITE);
        s.setPlotBackgroundColor(Color.WHITE);
        s.setPlotGridLinesColor(new Color(225, 225, 225));
        s.setLegendBorderColor(new Color(200, 200, 200));
        s.setChartTitleBoxVisible(false);
        s.setAntiAlias(true);
        s.setYAxisDecimalPattern("#,##0.####");
    }

    private static byte[] png(Chart<?, ?> chart) {
        try {
            return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException("report: cannot encode the plot '" + chart.getTitle() + "' as PNG: " + e.getMessage(), e);
        }
    }

    /** Sorted points of {@code byX} (x → y), for a {@link Line}. */
    static List<double[]> points(Map<Integer, Double> byX) {
        return byX.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .map(e -> new double[]{e.getKey(), e.getValue()}).toList();
    }
}
