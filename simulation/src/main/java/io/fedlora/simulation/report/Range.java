package io.fedlora.simulation.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** An axis range widened to "nice" tick steps (1, 2 or 5 times a power of ten). */
record Range(double min, double max, double step) {

    static Range of(List<LineChart.Series> series, boolean xAxis) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (LineChart.Series s : series) {
            double[] values = xAxis ? s.x() : s.y();
            for (double v : values) {
                if (Double.isFinite(v)) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
        }
        if (lo > hi) {
            return new Range(0, 1, 0.2);
        }
        if (lo == hi) {
            double pad = lo == 0 ? 1 : Math.abs(lo) * 0.1;
            lo -= pad;
            hi += pad;
        }
        double step = niceStep((hi - lo) / 5);
        return new Range(Math.floor(lo / step) * step, Math.ceil(hi / step) * step, step);
    }

    static double niceStep(double raw) {
        double power = Math.pow(10, Math.floor(Math.log10(raw)));
        double m = raw / power;
        double nice = m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10;
        return nice * power;
    }

    List<Double> ticks() {
        List<Double> ticks = new ArrayList<>();
        int n = (int) Math.round((max - min) / step);
        for (int i = 0; i <= n; i++) {
            ticks.add(min + i * step);
        }
        return ticks;
    }

    static String label(double v) {
        if (Math.abs(v) < 1e-12) {
            return "0";
        }
        if (Math.abs(v) >= 1e4 || Math.abs(v) < 1e-3) {
            return String.format(Locale.ROOT, "%.1e", v);
        }
        String s = String.format(Locale.ROOT, "%.4f", v);
        return s.replaceAll("0+$", "").replaceAll("\\.$", "");
    }
}
