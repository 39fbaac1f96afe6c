package io.fedlora.coordinator.admin;

import java.util.Map;

/**
 * Writes Prometheus' text exposition format, version 0.0.4: per metric a {@code # HELP} and a
 * {@code # TYPE} line, then its samples as {@code name{label="value",…} number}. Label values and
 * help texts are escaped as the format requires; NaN and infinities are written as {@code NaN},
 * {@code +Inf}, {@code -Inf}; whole numbers without a fraction, others as Java's shortest
 * round-tripping decimal (which Prometheus' float parser reads).
 */
final class PrometheusText {

    /** The content type scrapers expect for this format. */
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final StringBuilder out = new StringBuilder();
    private String current;

    /** Starts a metric; its samples follow through {@link #sample}. */
    PrometheusText metric(String name, String type, String help) {
        requireName(name);
        current = name;
        out.append("# HELP ").append(name).append(' ').append(escapeHelp(help)).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        return this;
    }

    /** A sample of the current metric without labels. */
    PrometheusText sample(double value) {
        return sample(Map.of(), value);
    }

    /** A sample of the current metric; labels are written in the map's iteration order. */
    PrometheusText sample(Map<String, String> labels, double value) {
        if (current == null) {
            throw new IllegalStateException("sample before any metric");
        }
        out.append(current);
        if (!labels.isEmpty()) {
            out.append('{');
            boolean first = true;
            for (Map.Entry<String, String> l : labels.entrySet()) {
                requireName(l.getKey());
                if (!first) {
                    out.append(',');
                }
                first = false;
                out.append(l.getKey()).append("=\"").append(escapeLabel(l.getValue())).append('"');
            }
            out.append('}');
        }
        out.append(' ').append(number(value)).append('\n');
        return this;
    }

    @Override
    public String toString() {
        return out.toString();
    }

    static String number(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return Double.toString(v);
    }

    private static void requireName(String name) {
        if (!name.matches("[a-zA-Z_:][a-zA-Z0-9_:]*")) {
            throw new IllegalArgumentException("not a Prometheus name: " + name);
        }
    }

    private static String escapeHelp(String s) {
        return s.replace("\\", "\\\\").replace("\n", "\\n");
    }

    private static String escapeLabel(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
