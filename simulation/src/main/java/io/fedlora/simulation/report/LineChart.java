package io.fedlora.simulation.report;

import io.fedlora.peft.AtomicFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A line chart written as a standalone SVG file: one polyline per series over shared axes, with
 * ticks, axis titles and a legend. Enough to look at a run (accuracy per round, loss per step) in
 * any browser without a plotting stack.
 */
public final class LineChart {

    /** One named curve; {@code x} and {@code y} have equal length. */
    public record Series(String name, double[] x, double[] y) {
        public Series {
            if (x.length != y.length) {
                throw new IllegalArgumentException(
                        "series " + name + " has " + x.length + " x values and " + y.length + " y");
            }
        }
    }

    /** The size of the SVG document, in pixels. */
    public static final int WIDTH = 720;

    public static final int HEIGHT = 420;
    static final int LEFT = 70;
    static final int RIGHT = 200;
    static final int TOP = 40;
    static final int BOTTOM = 55;
    private static final String[] COLOURS = {
        "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"
    };

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final List<Series> series = new ArrayList<>();

    public LineChart(String title, String xLabel, String yLabel) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
    }

    public LineChart add(Series s) {
        series.add(s);
        return this;
    }

    public LineChart add(String name, double[] x, double[] y) {
        return add(new Series(name, x, y));
    }

    /** Writes the chart to {@code file} atomically (temp file, then rename). */
    public void write(Path file) throws IOException {
        AtomicFiles.writeString(file, toSvg());
    }

    /** The SVG document. Non-finite points are left out of their polyline. */
    public String toSvg() {
        Range xr = Range.of(series, true);
        Range yr = Range.of(series, false);
        StringBuilder svg = new StringBuilder();
        svg.append(
                String.format(
                        Locale.ROOT,
                        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
                                + " font-family=\"sans-serif\" font-size=\"12\">\n",
                        WIDTH,
                        HEIGHT));
        svg.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        text(svg, WIDTH / 2.0, 22, "middle", 15, title);
        text(svg, LEFT + plotWidth() / 2.0, HEIGHT - 12, "middle", 12, xLabel);
        svg.append(
                String.format(
                        Locale.ROOT,
                        "<text x=\"16\" y=\"%.1f\" text-anchor=\"middle\""
                                + " transform=\"rotate(-90 16 %.1f)\">%s</text>\n",
                        TOP + plotHeight() / 2.0,
                        TOP + plotHeight() / 2.0,
                        escape(yLabel)));
        axes(svg, xr, yr);
        for (int i = 0; i < series.size(); i++) {
            Series s = series.get(i);
            String colour = COLOURS[i % COLOURS.length];
            svg.append("<polyline fill=\"none\" stroke=\"")
                    .append(colour)
                    .append("\" stroke-width=\"2\" points=\"");
            for (int k = 0; k < s.x().length; k++) {
                if (Double.isFinite(s.x()[k]) && Double.isFinite(s.y()[k])) {
                    svg.append(
                            String.format(
                                    Locale.ROOT, "%.2f,%.2f ", px(xr, s.x()[k]), py(yr, s.y()[k])));
                }
            }
            svg.append("\"><title>").append(escape(s.name())).append("</title></polyline>\n");
            double ly = TOP + 14 + 18 * i;
            svg.append(
                    String.format(
                            Locale.ROOT,
                            "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"%s\""
                                    + " stroke-width=\"3\"/>\n",
                            WIDTH - RIGHT + 12,
                            ly - 4,
                            WIDTH - RIGHT + 32,
                            ly - 4,
                            colour));
            text(svg, WIDTH - RIGHT + 38, ly, "start", 12, s.name());
        }
        svg.append("</svg>\n");
        return svg.toString();
    }

    private void axes(StringBuilder svg, Range xr, Range yr) {
        svg.append(
                String.format(
                        Locale.ROOT,
                        "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\""
                                + " stroke=\"#444\"/>\n",
                        LEFT,
                        TOP,
                        plotWidth(),
                        plotHeight()));
        for (double t : xr.ticks()) {
            double x = px(xr, t);
            svg.append(
                    String.format(
                            Locale.ROOT,
                            "<line x1=\"%.2f\" y1=\"%d\" x2=\"%.2f\" y2=\"%d\" stroke=\"#ddd\"/>\n",
                            x,
                            TOP,
                            x,
                            TOP + plotHeight()));
            text(svg, x, TOP + plotHeight() + 16, "middle", 11, Range.label(t));
        }
        for (double t : yr.ticks()) {
            double y = py(yr, t);
            svg.append(
                    String.format(
                            Locale.ROOT,
                            "<line x1=\"%d\" y1=\"%.2f\" x2=\"%d\" y2=\"%.2f\" stroke=\"#ddd\"/>\n",
                            LEFT,
                            y,
                            LEFT + plotWidth(),
                            y));
            text(svg, LEFT - 6, y + 4, "end", 11, Range.label(t));
        }
    }

    static int plotWidth() {
        return WIDTH - LEFT - RIGHT;
    }

    static int plotHeight() {
        return HEIGHT - TOP - BOTTOM;
    }

    static double px(Range r, double x) {
        return LEFT + (x - r.min()) / (r.max() - r.min()) * plotWidth();
    }

    static double py(Range r, double y) {
        return TOP + plotHeight() - (y - r.min()) / (r.max() - r.min()) * plotHeight();
    }

    private static void text(
            StringBuilder svg, double x, double y, String anchor, int size, String s) {
        svg.append(
                String.format(
                        Locale.ROOT,
                        "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-size=\"%d\">%s</text>\n",
                        x,
                        y,
                        anchor,
                        size,
                        escape(s)));
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
