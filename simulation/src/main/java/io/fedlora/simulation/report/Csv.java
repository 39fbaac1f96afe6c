package io.fedlora.simulation.report;

import java.util.Locale;

/**
 * How fedlora's CSV files spell their fields, shared so that a simulated run's {@code results.csv}
 * and a cluster run's {@code rounds.csv} read the same way.
 */
public final class Csv {

    private Csv() {}

    /** A number with six decimals (locale-independent), or {@code NaN} when it is not finite. */
    public static String number(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.6f", v) : "NaN";
    }

    /** A field, quoted when it holds a comma, a quote or a line break (RFC 4180). */
    public static String field(String s) {
        if (s.indexOf(',') < 0
                && s.indexOf('"') < 0
                && s.indexOf('\n') < 0
                && s.indexOf('\r') < 0) {
            return s;
        }
        return '"' + s.replace("\"", "\"\"") + '"';
    }
}
